import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { call } from "../../api";
import { useCatalog } from "../../catalog";
import { Busy, ErrorBox } from "../../components/common";
import { useSession } from "../../session";

export function DataSources() {
  const { me } = useSession();
  const catalog = useCatalog(true);
  const queries = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const toggle = async (id: string, disabled: boolean) => {
    setBusy(id);
    setError(null);
    try {
      await call("PUT", `/api/v1/data-sources/${encodeURIComponent(id)}/settings`, { body: { disabled } });
      await queries.invalidateQueries({ queryKey: ["data-sources"] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="ds-title">
      <h2 id="ds-title">Data sources</h2>
      <p className="muted">
        A disabled data source cannot be used for new connections in this tenant.
        {me?.isAdmin ? "" : " Only tenant admins can change this."}
      </p>
      <ErrorBox error={error ?? catalog.error} />
      {catalog.isPending ? <Busy label="Loading data sources" /> : null}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Data source</th>
              <th scope="col">Id</th>
              <th scope="col">Provider</th>
              <th scope="col">Enabled</th>
            </tr>
          </thead>
          <tbody>
            {(catalog.data ?? []).map((s) => (
              <tr key={s.dataSourceId}>
                <th scope="row">{s.name}</th>
                <td>
                  <code>{s.dataSourceId}</code>
                </td>
                <td>{s.providerName}</td>
                <td>
                  <label className="inline">
                    <input
                      type="checkbox"
                      role="switch"
                      checked={!s.disabled}
                      disabled={!me?.isAdmin || busy !== null}
                      aria-busy={busy === s.dataSourceId}
                      onChange={(e) => void toggle(s.dataSourceId, !e.target.checked)}
                    />
                    <span className="visually-hidden">Enable {s.name}</span>
                  </label>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
