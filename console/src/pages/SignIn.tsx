import { useState, type FormEvent } from "react";
import { Navigate, useLocation } from "react-router";
import { ErrorBox, PageHeading } from "../components/common";
import { useSession } from "../session";

export function SignIn() {
  const { me, config, signIn } = useSession();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const from = (location.state as { from?: string } | null)?.from ?? "/";
  if (me) return <Navigate to={from.startsWith("/sign-in") ? "/" : from} replace />;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = form.elements.namedItem("apiKey") as HTMLInputElement;
    setBusy(true);
    setError(null);
    try {
      await signIn(field.value.trim());
      field.value = ""; // the key is not kept anywhere in the page
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="container sign-in">
      <PageHeading title="Sign in to dcaas" />
      <article>
        <form onSubmit={submit} autoComplete="off">
          <label htmlFor="apiKey">API key</label>
          <input
            id="apiKey"
            name="apiKey"
            type="password"
            required
            autoComplete="off"
            spellCheck={false}
            aria-describedby="apiKey-help"
            placeholder="dcaas_..."
          />
          <small id="apiKey-help">
            The key is exchanged once for a session and not kept in the browser. Make one with{" "}
            <code>dcaas apikey create</code>, or use the key printed on first start.
          </small>
          <ErrorBox error={error} />
          <button type="submit" aria-busy={busy} disabled={busy}>
            Sign in
          </button>
        </form>
        {config?.singleSignOn.enabled ? (
          <>
            <hr />
            <a role="button" className="secondary" href="/api/v1/console/oidc/login">
              Sign in with {config.singleSignOn.name}
            </a>
          </>
        ) : null}
      </article>
      <p>
        <a href="/api/v1/docs">API documentation</a>
      </p>
    </main>
  );
}
