import type Form from "@rjsf/core";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { call } from "../api";
import { isOAuth, spaceLabel, useCatalog, useSpaces } from "../catalog";
import { Busy, Empty, ErrorBox, PageHeading } from "../components/common";
import { StepTable } from "../components/StepTable";
import { ConnectionForm, fieldErrors, useFormSpec } from "../form/ConnectionForm";
import type { FormContext } from "../form/fields";
import { clean, withoutDefaults } from "../form/spec";
import { rememberTest } from "../lastTest";
import { useSession } from "../session";
import type { DataSource, ProbeResult } from "../types";

function SourcePicker({ onPick }: { onPick: (source: DataSource) => void }) {
  const catalog = useCatalog();
  const [search, setSearch] = useState("");
  const [category, setCategory] = useState("");
  const categories = useMemo(() => [...new Set((catalog.data ?? []).map((s) => s.providerName))].sort(), [catalog.data]);
  const term = search.trim().toLowerCase();
  const shown = (catalog.data ?? []).filter(
    (s) =>
      (!category || s.providerName === category) &&
      (!term || s.name.toLowerCase().includes(term) || s.dataSourceId.toLowerCase().includes(term)),
  );
  return (
    <section aria-labelledby="pick-title">
      <h2 id="pick-title">1. Choose a data source</h2>
      <div className="filters" role="search">
        <label>
          Search data sources
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="S3, REST, PostgreSQL…" />
        </label>
      </div>
      <div className="chips" role="group" aria-label="Categories">
        <button type="button" className={category ? "secondary outline" : ""} aria-pressed={!category} onClick={() => setCategory("")}>
          All
        </button>
        {categories.map((c) => (
          <button type="button" key={c} className={category === c ? "" : "secondary outline"} aria-pressed={category === c} onClick={() => setCategory(c)}>
            {c}
          </button>
        ))}
      </div>
      <ErrorBox error={catalog.error} onRetry={() => void catalog.refetch()} />
      {catalog.isPending ? <Busy label="Loading data sources" /> : null}
      {catalog.data && shown.length === 0 ? <Empty title="No data source matches." /> : null}
      <ul className="source-grid">
        {shown.map((s) => (
          <li key={s.dataSourceId}>
            <button type="button" className="source-card secondary outline" onClick={() => onPick(s)}>
              <strong>{s.name}</strong>
              <small>{s.dataSourceId}</small>
              <small className="muted">{s.providerName}</small>
              {s.capabilities.includes("oauth2") ? <span className="badge">OAuth</span> : null}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

type OAuthMessage = { type: string; status: string; connectionId: string | null; detail: string | null };

export function NewConnection() {
  const { me } = useSession();
  const navigate = useNavigate();
  const spaces = useSpaces();
  const [source, setSource] = useState<DataSource | null>(null);
  const spec = useFormSpec(source?.dataSourceId);
  const [name, setName] = useState("");
  const [space, setSpace] = useState("");
  const [data, setData] = useState<Record<string, unknown>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tested, setTested] = useState<{ result: ProbeResult; body: string } | null>(null);
  const context = useRef<FormContext>({ mode: "create", origins: {}, stored: {} });
  const form = useRef<Form>(null);
  const popupWatch = useRef<number | null>(null);
  const oauth = isOAuth(source ?? undefined);

  useEffect(() => () => {
    if (popupWatch.current) window.clearInterval(popupWatch.current);
  }, []);

  const body = () => ({
    qName: name.trim(),
    datasourceID: source!.dataSourceId,
    ...(space ? { space } : {}),
    connectionProperties: withoutDefaults(clean(data) as Record<string, unknown>, spec.data!.schema),
  });

  const valid = () => {
    const ok = form.current?.validateForm() ?? true;
    if (!name.trim()) {
      setError(new Error("Give the connection a name."));
      document.getElementById("conn-name")?.focus();
      return false;
    }
    return ok;
  };

  const test = async () => {
    if (!valid()) return;
    setBusy("Testing the connection");
    setError(null);
    setTested(null);
    const request = body();
    try {
      const answer = await call<ProbeResult>("POST", "/api/v1/data-connections/actions/test", { body: request });
      setTested({ result: answer.data, body: JSON.stringify(request) });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    if (!valid()) return;
    setBusy("Saving");
    setError(null);
    const request = body();
    try {
      const answer = await call<{ qID: string }>("POST", "/api/v1/data-connections", {
        body: request,
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      if (tested && tested.body === JSON.stringify(request)) rememberTest(answer.data.qID, tested.result);
      setData({}); // nothing typed stays in memory once saved
      navigate(`/connections/${answer.data.qID}`, { replace: true, state: { created: true } });
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };

  const authorize = async () => {
    if (!valid()) return;
    setError(null);
    // Opened now, in the click, so that no popup blocker stops it; pointed at the provider below.
    const popup = window.open("about:blank", "dcaas-oauth", "popup,width=620,height=720");
    if (!popup) {
      setError(new Error("The browser blocked the authorization window: allow popups for this site."));
      return;
    }
    setBusy("Waiting for the authorization in the other window");
    let done = false;
    const finish = () => {
      done = true;
      window.removeEventListener("message", listen);
      if (popupWatch.current) window.clearInterval(popupWatch.current);
    };
    const listen = (event: MessageEvent<OAuthMessage>) => {
      if (event.origin !== window.location.origin || event.data?.type !== "dcaas-oauth-callback") return;
      finish();
      if (event.data.status !== "failed" && event.data.connectionId) {
        navigate(`/connections/${event.data.connectionId}`, { replace: true, state: { created: true } });
      } else {
        setBusy(null);
        setError(new Error(event.data.detail || "The authorization failed."));
      }
    };
    window.addEventListener("message", listen);
    popupWatch.current = window.setInterval(() => {
      if (popup.closed && !done) {
        finish();
        setBusy(null);
        setError(new Error("The authorization window was closed before it finished."));
      }
    }, 500);
    try {
      const answer = await call<{ authUrl: string }>("POST", "/api/v1/data-connections", { body: { ...body(), authUrlOnly: true } });
      popup.location.href = answer.data.authUrl;
    } catch (caught) {
      finish();
      popup.close();
      setBusy(null);
      setError(caught);
    }
  };

  if (!source) {
    return (
      <>
        <PageHeading title="New connection" />
        <SourcePicker onPick={(s) => setSource(s)} />
      </>
    );
  }

  return (
    <>
      <PageHeading title={`New ${source.name} connection`} />
      <p>
        <button type="button" className="secondary outline" onClick={() => setSource(null)}>
          Choose another data source
        </button>
      </p>
      <section aria-labelledby="form-title">
        <h2 id="form-title">2. Describe the connection</h2>
        <div className="grid">
          <label>
            Name <span className="required">*</span>
            <input id="conn-name" value={name} required onChange={(e) => setName(e.target.value)} maxLength={256} />
          </label>
          <label>
            Space
            <select value={space} onChange={(e) => setSpace(e.target.value)}>
              <option value="">My space (personal)</option>
              {(spaces.data ?? [])
                .filter((s) => s.type !== "personal")
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {spaceLabel(s, me?.userId)}
                  </option>
                ))}
            </select>
          </label>
        </div>
        <ErrorBox error={spec.error} onRetry={() => void spec.refetch()} />
        {spec.isPending ? <Busy label="Loading the data source's properties" /> : null}
        {spec.data ? (
          <ConnectionForm
            formRef={form}
            spec={spec.data}
            formData={data}
            onChange={setData}
            context={context.current}
            disabled={busy !== null}
            extraErrors={fieldErrors(error)}
            onSubmit={() => void (oauth ? authorize() : save())}
          >
            <ErrorBox error={error} />
            {busy ? <Busy label={busy} /> : null}
            {tested ? <StepTable result={tested.result} /> : null}
            <div className="actions">
              {oauth ? (
                <button type="button" onClick={() => void authorize()} disabled={busy !== null}>
                  Authorize and save
                </button>
              ) : (
                <>
                  <button type="button" className="secondary" onClick={() => void test()} disabled={busy !== null}>
                    Test connection
                  </button>
                  <button type="submit" disabled={busy !== null}>
                    Save
                  </button>
                </>
              )}
              <Link to="/" role="button" className="secondary outline">
                Cancel
              </Link>
            </div>
            {oauth ? (
              <p className="muted">
                Authorize opens the provider in a new window; the connection is saved when you consent there.
              </p>
            ) : null}
          </ConnectionForm>
        ) : null}
      </section>
    </>
  );
}
