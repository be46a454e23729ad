import type Form from "@rjsf/core";
import { getDefaultFormState } from "@rjsf/utils";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, call } from "../api";
import { sourceLabel, spaceLabel, useCatalog, useSpaces } from "../catalog";
import { Busy, ErrorBox, formatDate, PageHeading } from "../components/common";
import { StepTable } from "../components/StepTable";
import { ConnectionForm, fieldErrors, useFormSpec } from "../form/ConnectionForm";
import { humanize, type FormContext } from "../form/fields";
import { patchOps } from "../form/patch";
import { forEditing, type FormSpec } from "../form/spec";
import { validator } from "../form/validator";
import { rememberTest } from "../lastTest";
import { useSession } from "../session";
import type { Connection, ProbeResult } from "../types";
import { BrowsePanel } from "./BrowsePanel";
import { ConnectionDialogs, type DialogKind } from "./ConnectionDialogs";

interface Loaded {
  connection: Connection;
  etag: string | null;
}

function useConnection(id: string) {
  return useQuery({
    queryKey: ["connection", id],
    queryFn: async ({ signal }) => {
      const answer = await call<Connection>("GET", `/api/v1/data-connections/${encodeURIComponent(id)}?parseConnection=true`, { signal });
      return { connection: answer.data, etag: answer.headers.get("ETag") } satisfies Loaded;
    },
  });
}

function Value({ name, value, spec }: { name: string; value: unknown; spec: FormSpec }) {
  if (spec.pairs.has(name) && Array.isArray(value)) {
    return (
      <ul className="plain">
        {(value as { name: string; value?: string; encrypt?: boolean }[]).map((item, i) => (
          <li key={i}>
            <code>{item.name}</code>: {item.encrypt ? <span className="muted">encrypted, never shown</span> : <code>{item.value}</code>}
          </li>
        ))}
      </ul>
    );
  }
  if (spec.files.has(name) && Array.isArray(value)) return <>{(value as { name: string }[]).map((f) => f.name).join(", ")}</>;
  if (typeof value === "boolean") return <>{value ? "Yes" : "No"}</>;
  if (value && typeof value === "object") return <code>{JSON.stringify(value)}</code>;
  return <code>{String(value)}</code>;
}

function Properties({ connection, spec }: { connection: Connection; spec: FormSpec }) {
  const stored = connection.connectionProperties ?? {};
  const order = (spec.uiSchema["ui:order"] as string[]).filter((n) => n !== "*");
  const shown = order.filter((n) => n in stored && !spec.secrets.has(n));
  const secrets = order.filter((n) => spec.secrets.has(n));
  return (
    <dl className="properties">
      {shown.map((n) => (
        <div key={n}>
          <dt>{humanize(n)}</dt>
          <dd>
            <Value name={n} value={stored[n]} spec={spec} />
          </dd>
        </div>
      ))}
      {secrets.map((n) => (
        <div key={n}>
          <dt>{humanize(n)}</dt>
          <dd className="muted">write-only: stored encrypted when given, never shown</dd>
        </div>
      ))}
    </dl>
  );
}

function Editor({ loaded, spec, onDone }: { loaded: Loaded; spec: FormSpec; onDone: (saved: boolean) => void }) {
  const queries = useQueryClient();
  const editing = forEditing(spec);
  const stored = loaded.connection.connectionProperties ?? {};
  const [initial] = useState(() => getDefaultFormState(validator, editing.schema, stored, editing.schema) as Record<string, unknown>);
  const baseline = useRef(initial);
  const [data, setData] = useState<Record<string, unknown>>(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tested, setTested] = useState<ProbeResult | null>(null);
  const context = useRef<FormContext>({
    mode: "edit",
    stored,
    origins: Object.fromEntries([...spec.pairs].map((n) => [n, ((stored[n] as unknown[]) ?? []).map((_, i) => i)])),
  });
  const form = useRef<Form>(null);
  const id = loaded.connection.qID;
  const ops = () => patchOps(editing, stored, baseline.current, data, context.current.origins);
  const stale = error instanceof ApiError && error.status === 412;

  const test = async () => {
    if (!(form.current?.validateForm() ?? true)) return;
    setBusy("Testing the changes");
    setError(null);
    try {
      const changes = ops();
      const answer = await call<ProbeResult>("POST", `/api/v1/data-connections/${id}/actions/test`, changes.length ? { body: changes } : {});
      setTested(answer.data);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    const changes = ops();
    if (!changes.length) {
      onDone(false);
      return;
    }
    setBusy("Saving the changes");
    setError(null);
    try {
      await call("PATCH", `/api/v1/data-connections/${id}`, { body: changes, headers: loaded.etag ? { "If-Match": loaded.etag } : {} });
      if (tested) rememberTest(id, tested);
      await queries.invalidateQueries({ queryKey: ["connection", id] });
      await queries.invalidateQueries({ queryKey: ["connections"] });
      onDone(true);
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="edit-title">
      <h2 id="edit-title">Edit properties</h2>
      <p className="muted">Only what you change is sent. Secrets you leave empty keep their stored values.</p>
      <ConnectionForm
        formRef={form}
        spec={editing}
        formData={data}
        onChange={setData}
        context={context.current}
        disabled={busy !== null}
        extraErrors={fieldErrors(error)}
        onSubmit={() => void save()}
      >
        {stale ? (
          <div className="error-box" role="alert">
            <strong>Someone else changed this connection since you opened it.</strong>
            <p>Your changes were not saved, so theirs were not overwritten. Load the latest version, then make your changes again.</p>
            <button type="button" className="secondary" onClick={() => void queries.invalidateQueries({ queryKey: ["connection", id] }).then(() => onDone(false))}>
              Load the latest version
            </button>
          </div>
        ) : (
          <ErrorBox error={error} />
        )}
        {busy ? <Busy label={busy} /> : null}
        {tested ? <StepTable result={tested} /> : null}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => void test()} disabled={busy !== null}>
            Test changes
          </button>
          <button type="submit" disabled={busy !== null}>
            Save changes
          </button>
          <button type="button" className="secondary outline" onClick={() => onDone(false)} disabled={busy !== null}>
            Cancel
          </button>
        </div>
      </ConnectionForm>
    </section>
  );
}

export function ConnectionPage() {
  const { id = "" } = useParams();
  const { me } = useSession();
  const navigate = useNavigate();
  const loaded = useConnection(id);
  const catalog = useCatalog(true);
  const spaces = useSpaces();
  const connection = loaded.data?.connection;
  const spec = useFormSpec(connection?.datasourceID);
  const [editing, setEditing] = useState(false);
  const [dialog, setDialog] = useState<DialogKind | null>(null);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<ProbeResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);
  const [tab, setTab] = useState<"properties" | "browse">("properties");

  if (loaded.isPending) return <Busy label="Loading the connection" />;
  if (loaded.error || !connection || !loaded.data) {
    return (
      <>
        <PageHeading title="Connection" />
        <ErrorBox error={loaded.error} onRetry={() => void loaded.refetch()} />
        <Link to="/">Back to connections</Link>
      </>
    );
  }
  const can = (privilege: string) => connection.privileges.includes(privilege);
  const space = spaces.data?.find((s) => s.id === connection.space);

  const test = async () => {
    setTesting(true);
    setTested(null);
    setTestError(null);
    try {
      const answer = await call<ProbeResult>("POST", `/api/v1/data-connections/${connection.qID}/actions/test`);
      rememberTest(connection.qID, answer.data);
      setTested(answer.data);
    } catch (caught) {
      setTestError(caught);
    } finally {
      setTesting(false);
    }
  };

  return (
    <>
      <PageHeading title={connection.qName}>
        <p className="muted">
          <span className="badge source">{sourceLabel(catalog.data, connection.datasourceID)}</span> in{" "}
          {spaceLabel(space, me?.userId) || connection.space} · changed {formatDate(connection.updated)}
          {connection.authStatus === "needs-reauthentication" ? <span className="badge failed"> needs authorization</span> : null}
        </p>
      </PageHeading>
      <div className="actions" role="toolbar" aria-label="Connection actions">
        <button type="button" onClick={() => void test()} disabled={testing || editing}>
          Test
        </button>
        {can("update") ? (
          <button type="button" className="secondary" onClick={() => setEditing(true)} disabled={editing}>
            Edit
          </button>
        ) : null}
        {can("update") ? (
          <button type="button" className="secondary" onClick={() => setDialog("duplicate")}>
            Duplicate
          </button>
        ) : null}
        {can("change_space") ? (
          <button type="button" className="secondary" onClick={() => setDialog("move")}>
            Move
          </button>
        ) : null}
        {can("delete") ? (
          <button type="button" className="secondary outline danger" onClick={() => setDialog("delete")}>
            Delete
          </button>
        ) : null}
      </div>
      {!can("update") ? <p className="muted">You may use this connection (test, browse, preview) but not change it.</p> : null}
      {testing ? <Busy label="Testing the connection" /> : null}
      <ErrorBox error={testError} />
      {tested ? <StepTable result={tested} /> : null}
      {editing && spec.data ? (
        <Editor loaded={loaded.data} spec={spec.data} onDone={() => setEditing(false)} />
      ) : (
        <>
          <div role="tablist" aria-label="Connection views" className="tabs">
            <button type="button" role="tab" id="tab-properties" aria-controls="panel-properties" aria-selected={tab === "properties"} onClick={() => setTab("properties")}>
              Properties
            </button>
            <button type="button" role="tab" id="tab-browse" aria-controls="panel-browse" aria-selected={tab === "browse"} onClick={() => setTab("browse")}>
              Browse and preview
            </button>
          </div>
          <section role="tabpanel" id="panel-properties" aria-labelledby="tab-properties" hidden={tab !== "properties"}>
            <ErrorBox error={spec.error} />
            {spec.data ? <Properties connection={connection} spec={spec.data} /> : null}
          </section>
          <section role="tabpanel" id="panel-browse" aria-labelledby="tab-browse" hidden={tab !== "browse"}>
            {tab === "browse" ? <BrowsePanel connectionId={connection.qID} /> : null}
          </section>
        </>
      )}
      <ConnectionDialogs
        kind={dialog}
        loaded={loaded.data}
        onClose={() => setDialog(null)}
        onGone={() => navigate("/", { replace: true })}
        onCopied={(newId) => navigate(`/connections/${newId}`)}
      />
    </>
  );
}
