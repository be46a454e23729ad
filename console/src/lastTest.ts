// The last test result of each connection, as seen in this browser tab's session.
// The API keeps no test history, so the console shows only what it ran itself, and says so.
// Kept in sessionStorage (gone when the tab closes, cleared at sign-out); no secrets are in it.
import type { ProbeResult } from "./types";

export interface LastTest {
  status: "passed" | "failed";
  at: string;
  failedStep?: string;
  code?: string;
}

const PREFIX = "dcaas.lastTest.";

export function rememberTest(connectionId: string, result: ProbeResult): void {
  const failed = result.steps.find((s) => s.status === "failed");
  const entry: LastTest = { status: result.status, at: new Date().toISOString(), failedStep: failed?.name, code: failed?.code };
  try {
    window.sessionStorage.setItem(PREFIX + connectionId, JSON.stringify(entry));
  } catch {
    /* storage full or disabled: the list just shows "not tested" */
  }
}

export function lastTest(connectionId: string): LastTest | null {
  try {
    const raw = window.sessionStorage.getItem(PREFIX + connectionId);
    return raw ? (JSON.parse(raw) as LastTest) : null;
  } catch {
    return null;
  }
}

export function forgetTests(): void {
  try {
    for (const key of Object.keys(window.sessionStorage)) if (key.startsWith(PREFIX)) window.sessionStorage.removeItem(key);
  } catch {
    /* nothing to forget */
  }
}
