import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { call } from "../api";
import { spaceLabel, useSpaces } from "../catalog";
import { Busy, Dialog, ErrorBox } from "../components/common";
import { useSession } from "../session";
import type { Connection } from "../types";

export type DialogKind = "duplicate" | "move" | "delete";

interface Props {
  kind: DialogKind | null;
  loaded: { connection: Connection; etag: string | null };
  onClose: () => void;
  onGone: () => void;
  onCopied: (id: string) => void;
}

const TITLES: Record<DialogKind, string> = {
  duplicate: "Duplicate the connection",
  move: "Move to another space",
  delete: "Delete the connection?",
};

export function ConnectionDialogs({ kind, loaded, onClose, onGone, onCopied }: Props) {
  const { me } = useSession();
  const spaces = useSpaces();
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { connection, etag } = loaded;
  const ifMatch = etag ? { "If-Match": etag } : undefined;
  const targets = (spaces.data ?? []).filter((s) => s.type !== "personal" || s.ownerId === me?.userId);

  const close = () => {
    setError(null);
    onClose();
  };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await queries.invalidateQueries({ queryKey: ["connections"] });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values = new FormData(event.currentTarget);
    if (kind === "duplicate") {
      void run(async () => {
        const space = String(values.get("space") || "");
        const answer = await call<{ qID: string }>("POST", "/api/v1/data-connections/actions/duplicate", {
          body: { id: connection.qID, name: String(values.get("name")), ...(space ? { spaceId: space } : {}) },
          headers: { "Idempotency-Key": crypto.randomUUID() },
        });
        close();
        onCopied(answer.data.qID);
      });
    } else if (kind === "move") {
      void run(async () => {
        await call("PATCH", `/api/v1/data-connections/${connection.qID}`, {
          body: [{ op: "replace", path: "/space", value: String(values.get("space")) }],
          headers: ifMatch,
        });
        await queries.invalidateQueries({ queryKey: ["connection", connection.qID] });
        close();
      });
    } else if (kind === "delete") {
      void run(async () => {
        await call("DELETE", `/api/v1/data-connections/${connection.qID}`, { headers: ifMatch });
        queries.removeQueries({ queryKey: ["connection", connection.qID] });
        close();
        onGone();
      });
    }
  };

  return (
    <Dialog open={kind !== null} title={kind ? TITLES[kind] : ""} onClose={close}>
      <form onSubmit={submit}>
        {kind === "duplicate" ? (
          <>
            <label>
              Name of the copy
              <input name="name" required maxLength={256} defaultValue={`${connection.qName} (copy)`} />
            </label>
            <label>
              Space
              <select name="space" defaultValue={connection.space}>
                {targets.map((s) => (
                  <option key={s.id} value={s.id}>
                    {spaceLabel(s, me?.userId)}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        {kind === "move" ? (
          <label>
            Space
            <select name="space" defaultValue={connection.space}>
              {targets.map((s) => (
                <option key={s.id} value={s.id}>
                  {spaceLabel(s, me?.userId)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {kind === "delete" ? (
          <p>
            <strong>{connection.qName}</strong> will be deleted for everyone who uses it. This cannot be undone.
          </p>
        ) : null}
        <ErrorBox error={error} />
        {busy ? <Busy label="Working" /> : null}
        <footer className="actions">
          <button type="button" className="secondary outline" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={kind === "delete" ? "danger" : ""} disabled={busy}>
            {kind === "delete" ? "Delete" : kind === "move" ? "Move" : "Duplicate"}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
