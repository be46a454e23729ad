import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { call, get } from "../../api";
import { Busy, Dialog, Empty, ErrorBox, formatDate } from "../../components/common";
import { useSession } from "../../session";
import type { ApiKey } from "../../types";

export function ApiKeys() {
  const { me } = useSession();
  const queries = useQueryClient();
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: ({ signal }) => get<{ data: ApiKey[] }>("/api/v1/api-keys", signal).then((a) => a.data),
  });
  const [created, setCreated] = useState<string | null>(null); // the new key, shown once
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState(false);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    const expiry = String(values.get("expiry") || "");
    setBusy(true);
    setError(null);
    try {
      const answer = await call<{ token: string }>("POST", "/api/v1/api-keys", {
        body: {
          description: String(values.get("description") || ""),
          ...(expiry ? { expiry: new Date(`${expiry}T23:59:59`).toISOString() } : {}),
          ...(values.get("engine") ? { scopes: ["engine"] } : {}),
        },
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      form.reset();
      setCopied(false);
      setCreated(answer.data.token);
      await queries.invalidateQueries({ queryKey: ["api-keys"] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    setError(null);
    try {
      await call("DELETE", `/api/v1/api-keys/${revoking.id}`);
      setRevoking(null);
      await queries.invalidateQueries({ queryKey: ["api-keys"] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    await navigator.clipboard.writeText(created);
    setCopied(true);
  };

  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted">{me?.isAdmin ? "Every key of the tenant." : "Your keys."} A key is shown once, when it is made; only its hash is stored.</p>
      <form className="inline-form" onSubmit={create}>
        <label>
          Description
          <input name="description" maxLength={256} placeholder="What uses this key" />
        </label>
        <label>
          Expires (optional)
          <input name="expiry" type="date" min={new Date().toISOString().slice(0, 10)} />
        </label>
        {me?.isAdmin ? (
          <label className="inline">
            <input name="engine" type="checkbox" />
            Engine grant: the key may receive connections' secrets from the engine endpoint (every release is recorded)
          </label>
        ) : null}
        <button type="submit" disabled={busy}>
          Create a key
        </button>
      </form>
      <ErrorBox error={error ?? keys.error} />
      {keys.isPending ? <Busy label="Loading keys" /> : null}
      {keys.data && keys.data.length === 0 ? <Empty title="No API keys." /> : null}
      {keys.data && keys.data.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col">Grants</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.description || <span className="muted">(no description)</span>}</th>
                  <td>{k.sub === me?.userId ? `${me.subject} (you)` : <code>{k.sub}</code>}</td>
                  <td>
                    <span className={`badge ${k.status === "active" ? "passed" : "skipped"}`}>{k.status}</span>
                  </td>
                  <td>{k.scopes?.includes("engine") ? "engine" : <span className="muted">none</span>}</td>
                  <td>{formatDate(k.created)}</td>
                  <td>{k.expiry ? formatDate(k.expiry) : "never"}</td>
                  <td>
                    {k.status === "active" ? (
                      <button type="button" className="secondary outline small" onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Dialog open={created !== null} title="Your new API key" onClose={() => setCreated(null)}>
        <p>
          <strong>Copy it now: it will not be shown again.</strong>
        </p>
        <input readOnly value={created ?? ""} aria-label="The new API key" onFocus={(e) => e.target.select()} spellCheck={false} />
        <footer className="actions">
          <button type="button" className="secondary" onClick={() => void copy()}>
            {copied ? "Copied" : "Copy"}
          </button>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </footer>
      </Dialog>
      <Dialog open={revoking !== null} title="Revoke this API key?" onClose={() => setRevoking(null)}>
        <p>
          Programs using <strong>{revoking?.description || revoking?.id}</strong> stop working, and console sessions signed in with it end.
        </p>
        <footer className="actions">
          <button type="button" className="secondary outline" onClick={() => setRevoking(null)}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={() => void revoke()} disabled={busy}>
            Revoke
          </button>
        </footer>
      </Dialog>
    </section>
  );
}
