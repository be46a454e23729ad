// An edit as a JSON Patch of only what changed. A secret left empty is not sent, so the stored
// one is kept; name/value rows are patched in place, so an untouched encrypted value is kept too.
import type { PatchOp } from "../types";
import type { FormSpec } from "./spec";
import { clean } from "./spec";

interface Pair {
  name?: string;
  value?: string;
  encrypt?: boolean;
}

const escape = (name: string) => name.replace(/~/g, "~0").replace(/\//g, "~1");

function empty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function pairOps(path: string, before: Pair[], after: Pair[], origins: (number | null)[]): PatchOp[] {
  const ops: PatchOp[] = [];
  const kept = new Set(origins.filter((o): o is number => o !== null));
  for (let i = before.length - 1; i >= 0; i--) if (!kept.has(i)) ops.push({ op: "remove", path: `${path}/${i}` });
  let position = 0;
  after.forEach((item, k) => {
    const origin = origins[k];
    if (origin === null || origin === undefined) {
      ops.push({ op: "add", path: `${path}/-`, value: clean(item) });
      return;
    }
    const was = before[origin] ?? {};
    const at = `${path}/${position++}`;
    if ((item.name ?? "") !== (was.name ?? "")) ops.push({ op: "replace", path: `${at}/name`, value: item.name ?? "" });
    if (!!item.encrypt !== !!was.encrypt) ops.push({ op: "add", path: `${at}/encrypt`, value: !!item.encrypt });
    const keepsStoredSecret = was.encrypt === true && !item.value;
    if (!keepsStoredSecret && (item.value ?? "") !== (was.value ?? "")) {
      ops.push({ op: "add", path: `${at}/value`, value: item.value ?? "" });
    }
  });
  return ops;
}

/**
 * @param stored the properties as the API returned them
 * @param baseline the same with the form's defaults filled in (what the form showed at first)
 * @param edited the form's values now
 */
export function patchOps(
  spec: FormSpec,
  stored: Record<string, unknown>,
  baseline: Record<string, unknown>,
  edited: Record<string, unknown>,
  origins: Record<string, (number | null)[]>,
): PatchOp[] {
  const ops: PatchOp[] = [];
  const names = new Set([...Object.keys(baseline), ...Object.keys(edited)]);
  for (const name of names) {
    const path = `/connectionProperties/${escape(name)}`;
    const after = clean(edited[name]);
    if (spec.pairs.has(name)) {
      const before = (stored[name] ?? []) as Pair[];
      const rows = (edited[name] ?? []) as Pair[];
      const rowOrigins = origins[name] ?? rows.map((_, i) => (i < before.length ? i : null));
      if (!(name in stored) && rows.length) ops.push({ op: "add", path, value: clean(rows) });
      else ops.push(...pairOps(path, before, rows, rowOrigins));
      continue;
    }
    if (spec.secrets.has(name)) {
      if (!empty(after)) ops.push({ op: "add", path, value: after });
      continue;
    }
    if (same(clean(baseline[name]), after)) continue;
    if (empty(after)) {
      if (name in stored) ops.push({ op: "remove", path });
      continue;
    }
    ops.push({ op: "add", path, value: after });
  }
  return ops;
}
