// The shapes of the public API the console reads (a subset of the OpenAPI document).

export interface Me {
  userId: string;
  subject: string;
  tenantId: string;
  tenantName: string;
  isAdmin: boolean;
  via: string;
  expiresAt: string;
  csrfToken: string;
}

export interface ConsoleConfig {
  version: string;
  singleSignOn: { enabled: boolean; name: string };
}

export interface DataSource {
  dataSourceId: string;
  name: string;
  provider: string;
  providerName: string;
  capabilities: string[];
  disabled: boolean;
}

export interface Connection {
  qID: string;
  qName: string;
  datasourceID: string;
  space: string;
  user: string;
  created: string;
  updated: string;
  privileges: string[];
  qCredentialsID?: string;
  connectionProperties?: Record<string, unknown>;
  authStatus?: "ok" | "needs-reauthentication";
}

export interface Links {
  self: { href: string };
  next?: { href: string };
  prev?: { href: string };
}

export interface Connections {
  data: Connection[];
  meta: { count: number };
  links: Links;
}

export interface Space {
  id: string;
  type: string;
  name: string;
  description: string;
  ownerId: string;
}

export interface Assignment {
  id: string;
  assigneeId: string;
  roles: string[];
  spaceId: string;
}

export interface ApiKey {
  id: string;
  description: string;
  sub: string;
  status: string;
  created: string;
  expiry?: string;
  scopes?: string[];
}

export interface ProbeStep {
  name: string;
  status: "passed" | "failed" | "skipped";
  elapsedMs: number;
  code?: string;
  failureClass?: string;
  detail?: string;
}

export interface ProbeResult {
  status: "passed" | "failed";
  steps: ProbeStep[];
}

export interface BrowseItem {
  name: string;
  path: string;
  type: string;
  size?: number;
  modified?: string;
  extra?: Record<string, unknown>;
}

export interface BrowsePage {
  data: BrowseItem[];
  links: Links;
}

export interface Preview {
  path: string;
  kind: "rows" | "bytes";
  columns?: string[];
  rows?: unknown[][];
  content?: string;
  encoding?: "utf-8" | "base64";
  bytesRead: number;
  truncated: boolean;
  contentType?: string;
}

export type PatchOp = { op: "add" | "replace" | "remove"; path: string; value?: unknown };
