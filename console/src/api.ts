// The one way the console talks to dcaas: the public API, same origin, with the session cookie.
// State-changing calls carry the session's CSRF token; errors come from the error envelope.

export interface EnvelopeError {
  code: string;
  title: string;
  detail: string;
  status: number;
  meta?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly meta: Record<string, unknown>;

  constructor(status: number, error: Partial<EnvelopeError>) {
    super(error.detail || error.title || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || `HTTP-${status}`;
    this.title = error.title || "Request failed.";
    this.detail = error.detail || this.title;
    this.meta = error.meta || {};
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export const SIGNED_OUT_EVENT = "dcaas:signed-out";

export interface Answer<T> {
  data: T;
  status: number;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (!SAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin", signal: options.signal, cache: "no-store" });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "dcaas is not reachable.", detail: "Check your network connection and try again." });
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const envelope = parsed as { errors?: EnvelopeError[] } | undefined;
    const first = envelope?.errors?.[0] ?? { title: response.statusText || "Request failed." };
    const error = new ApiError(response.status, first);
    if (response.status === 401 && !path.startsWith("/api/v1/console/session")) {
      window.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT));
    }
    throw error;
  }
  return { data: parsed as T, status: response.status, headers: response.headers };
}

export const get = <T>(path: string, signal?: AbortSignal) => call<T>("GET", path, { signal }).then((a) => a.data);

/** The `page` cursor of a `links.next` / `links.prev` href. */
export function cursorOf(href: string | undefined | null): string | null {
  if (!href) return null;
  try {
    return new URL(href, window.location.origin).searchParams.get("page");
  } catch {
    return null;
  }
}

export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A SCIM string literal: quotes and backslashes escaped. */
export function scimString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
