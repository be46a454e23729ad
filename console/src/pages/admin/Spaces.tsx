import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { call, get } from "../../api";
import { spaceLabel, useSpaces } from "../../catalog";
import { Busy, Empty, ErrorBox } from "../../components/common";
import { useKnownUsers } from "../../directory";
import { useSession } from "../../session";
import type { Assignment, Space } from "../../types";

const ROLES = [
  { role: "producer", help: "manages data connections" },
  { role: "facilitator", help: "manages data connections" },
  { role: "consumer", help: "uses data connections" },
  { role: "dataconsumer", help: "uses data connections" },
];

function Members({ space, spaces }: { space: Space; spaces: Space[] }) {
  const queries = useQueryClient();
  const members = useQuery({
    queryKey: ["assignments", space.id],
    queryFn: ({ signal }) => get<{ data: Assignment[] }>(`/api/v1/spaces/${space.id}/assignments`, signal).then((a) => a.data),
  });
  const known = useKnownUsers(spaces, members.data);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const work = async (job: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await job();
      await queries.invalidateQueries({ queryKey: ["assignments", space.id] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    const roles = values.getAll("roles").map(String);
    if (!roles.length) {
      setError(new Error("Choose at least one role."));
      return;
    }
    void work(async () => {
      await call("POST", `/api/v1/spaces/${space.id}/assignments`, {
        body: { type: "user", assigneeId: String(values.get("assignee")).trim(), roles },
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      form.reset();
    });
  };

  return (
    <section aria-labelledby={`members-${space.id}`}>
      <h3 id={`members-${space.id}`}>Members of {space.name}</h3>
      <ErrorBox error={error ?? members.error} />
      {members.isPending ? <Busy label="Loading members" /> : null}
      {members.data && members.data.length === 0 ? <Empty title="No members yet." /> : null}
      {members.data && members.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Roles</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.id}>
                <th scope="row">
                  <code>{m.assigneeId}</code>
                </th>
                <td>{m.roles.join(", ")}</td>
                <td>
                  <button
                    type="button"
                    className="secondary outline small"
                    disabled={busy}
                    aria-label={`Remove ${m.assigneeId} from ${space.name}`}
                    onClick={() => void work(() => call("DELETE", `/api/v1/spaces/${space.id}/assignments/${m.id}`))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form onSubmit={add} className="member-form">
        <label>
          User
          <input name="assignee" required list={`users-${space.id}`} autoComplete="off" aria-describedby={`users-help-${space.id}`} />
          <datalist id={`users-${space.id}`}>
            {known.map((u) => (
              <option key={u.id} value={u.id}>
                {u.label}
              </option>
            ))}
          </datalist>
          <small id={`users-help-${space.id}`}>A user's id, name or e-mail (a name that fits several users is refused, listing their ids).</small>
        </label>
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r.role} className="inline">
              <input type="checkbox" name="roles" value={r.role} /> {r.role} <small className="muted">({r.help})</small>
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Add member
        </button>
      </form>
    </section>
  );
}

export function Spaces() {
  const { me } = useSession();
  const spaces = useSpaces();
  const queries = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const shared = (spaces.data ?? []).filter((s) => s.type !== "personal");
  const current = shared.find((s) => s.id === selected);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const values = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const answer = await call<Space>("POST", "/api/v1/spaces", {
        body: { name: String(values.get("name")), description: String(values.get("description") || ""), type: "shared" },
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      form.reset();
      await queries.invalidateQueries({ queryKey: ["spaces"] });
      setSelected(answer.data.id);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="spaces-title">
      <h2 id="spaces-title">Spaces and members</h2>
      <p className="muted">
        Members with <code>producer</code> or <code>facilitator</code> manage a shared space's connections; <code>consumer</code> and{" "}
        <code>dataconsumer</code> may only use them.
      </p>
      <form className="inline-form" onSubmit={create}>
        <label>
          New shared space
          <input name="name" required maxLength={256} placeholder="Name" />
        </label>
        <label>
          Description
          <input name="description" maxLength={1024} />
        </label>
        <button type="submit" disabled={busy}>
          Create space
        </button>
      </form>
      <ErrorBox error={error ?? spaces.error} />
      {spaces.isPending ? <Busy label="Loading spaces" /> : null}
      {spaces.data && shared.length === 0 ? <Empty title="No shared spaces yet." /> : null}
      {shared.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Space</th>
              <th scope="col">Owner</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shared.map((s) => (
              <tr key={s.id} aria-current={s.id === selected ? "true" : undefined}>
                <th scope="row">{spaceLabel(s, me?.userId)}</th>
                <td>{s.ownerId === me?.userId ? "you" : <code>{s.ownerId}</code>}</td>
                <td>
                  <button type="button" className="secondary outline small" onClick={() => setSelected(s.id)} aria-pressed={s.id === selected}>
                    Members
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {current ? <Members space={current} spaces={spaces.data ?? []} /> : null}
    </section>
  );
}
