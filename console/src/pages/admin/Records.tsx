// Read-only admin lists over the public API, a page at a time: audit events, secret releases
// to engines, and gateways. Each is one RecordsPage declaration (path, columns); nothing
// secret is in any of these answers.
import { useState } from "react";
import { call, cursorOf, query } from "../../api";
import { Busy, Empty, ErrorBox, formatDate } from "../../components/common";
import { useSession } from "../../session";

type Row = Record<string, unknown>;

interface Column {
  label: string;
  value: (row: Row) => string;
}

export interface RecordsPageProps {
  title: string;
  intro: string;
  path: string;
  paged: boolean;
  columns: Column[];
}

const PAGE = 50;
const text = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

export function RecordsPage({ title, intro, path, paged, columns }: RecordsPageProps) {
  const { me } = useSession();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = async (page: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const answer = await call<{ data: Row[]; links?: { next?: { href?: string } } }>(
        "GET",
        `${path}${paged ? query({ limit: PAGE, page }) : ""}`,
      );
      setRows((before) => [...(page ? before ?? [] : []), ...answer.data.data]);
      setNext(cursorOf(answer.data.links?.next?.href));
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };

  const id = `${title.toLowerCase().replace(/[^a-z]+/g, "-")}-title`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p className="muted">
        {intro}
        {me?.isAdmin ? "" : " Only tenant admins see these."}
      </p>
      <button type="button" onClick={() => void load(null)} disabled={loading}>
        {rows === null ? "Show" : "Refresh"}
      </button>
      <ErrorBox error={error} onRetry={() => void load(null)} />
      {loading ? <Busy label={`Loading ${title.toLowerCase()}`} /> : null}
      {rows !== null && rows.length === 0 && !loading && !error ? <Empty title="Nothing recorded yet." /> : null}
      {rows !== null && rows.length > 0 ? (
        <div className="table-scroll">
          <table className="records">
            <thead>
              <tr>
                {columns.map((c) => (
                  <th scope="col" key={c.label}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={text(row.id) || index}>
                  {columns.map((c) => (
                    <td key={c.label}>{c.value(row)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next ? (
        <button type="button" className="secondary" onClick={() => void load(next)} disabled={loading}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

export const AuditEvents = () => (
  <RecordsPage
    title="Audit events"
    intro="Who did what to which object, newest first (GET /api/v1/audits)."
    path="/api/v1/audits"
    paged
    columns={[
      { label: "Time", value: (r) => formatDate(text(r.eventTime)) },
      { label: "Event", value: (r) => text(r.eventType).replace("com.qlik.v1.", "") },
      { label: "User", value: (r) => text(r.userId) },
      { label: "Object", value: (r) => `${text(r.objectType)} ${text(r.objectId)}`.trim() },
      { label: "Outcome", value: (r) => text(r.outcome) },
    ]}
  />
);

export const SecretReleases = () => (
  <RecordsPage
    title="Secret releases"
    intro="Every time an engine asked for a connection's secret, and what it got (never the secret itself)."
    path="/api/v1/data-sources/endpoints/releases"
    paged
    columns={[
      { label: "Time", value: (r) => formatDate(text(r.created)) },
      { label: "Asked by", value: (r) => text(r.subject || r.userId) },
      { label: "Connection", value: (r) => text(r.connectionName || r.connectionId) },
      { label: "Reload", value: (r) => text(r.reloadId) },
      { label: "Outcome", value: (r) => `${text(r.outcome)} ${text(r.code)}`.trim() },
    ]}
  />
);

export const Gateways = () => (
  <RecordsPage
    title="Gateways"
    intro="Direct Access gateways registered for DG_* data sources (dcaas gateways add)."
    path="/api/v1/gateways"
    paged={false}
    columns={[
      { label: "Name", value: (r) => text(r.name) },
      { label: "Id", value: (r) => text(r.id) },
      { label: "Data sources", value: (r) => (Array.isArray(r.dataSources) ? r.dataSources.join(", ") : "") },
      { label: "Default", value: (r) => (r.default ? "yes" : "no") },
    ]}
  />
);
