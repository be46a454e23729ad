// Qlik's own TypeScript client (@qlik/api: its connectivity/* modules, or its /api/v1 ones)
// against a live dcaas.
//
// Run by tests/qlik_client/test_qlik_api.py with:
//   QLIK_API_DIR  the installed package (…/node_modules/@qlik/api)
//   DCAAS_URL     the server (http://127.0.0.1:port)
//   ADMIN_KEY, USER_KEY, OTHER_TENANT_KEY, ENGINE_KEY  API keys: a tenant admin, a user of
//                 that tenant, a user of another tenant, and that user's engine key
//   NAMESPACE     "connectivity" (default: the connectivity/* modules) or "v1" (the older ones)
//   PENDING       comma-separated operations this run leaves out (none when empty)
//   PASSWORD_1, PASSWORD_2  the secrets it stores (never to be seen in an answer)
// Every exported operation of the three modules is called through the client, as an
// integrator would, and every answer is checked against the module's type definitions
// (shapes.mjs). The last line printed is a JSON report: {called, failures}; the exit code is
// 1 when anything failed.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { check, readTypes } from "./shapes.mjs";

const API_DIR = process.env.QLIK_API_DIR;
const URL_ = process.env.DCAAS_URL;
const PENDING = new Set((process.env.PENDING || "").split(",").filter(Boolean));
const host = (apiKey) => ({ hostConfig: { authType: "apikey", host: URL_, apiKey }, noCache: true });
const ADMIN = host(process.env.ADMIN_KEY);
const USER = host(process.env.USER_KEY);
const OTHER = host(process.env.OTHER_TENANT_KEY);
const ENGINE = host(process.env.ENGINE_KEY);
const PASSWORD_1 = process.env.PASSWORD_1;
const PASSWORD_2 = process.env.PASSWORD_2;

// NAMESPACE=v1 runs the same calls through the older /api/v1 modules (data-connections.js
// ... at the package's top); two of their operations have other names there.
const DIR = process.env.NAMESPACE === "v1" ? API_DIR : join(API_DIR, "connectivity");
const RENAMED = {
  duplicateDataAConnection: "duplicateDataConnections",
  filterOrphanedDataCredentials: "filterOrphanDataCredentials",
};
const MODULES = ["data-connections", "data-credentials", "data-sources"];
const api = {};
const types = {};
for (const name of MODULES) {
  api[name] = (await import(pathToFileURL(join(DIR, `${name}.js`)).href)).default;
  types[name] = readTypes(join(DIR, `${name}.d.ts`));
}

const called = new Set();
const failures = [];
const fail = (what) => failures.push(what);

// Each operation through one wrapper: records the call, and gives back the client's answer or,
// for an HTTP error (the client throws it), the error answer.
function wrap(module, name) {
  const fn = module[name];
  return async (...args) => {
    called.add(name);
    let answer;
    try {
      answer = await fn(...args);
    } catch (error) {
      if (!error || typeof error.status !== "number") throw error;
      answer = error;
    }
    const text = JSON.stringify(answer.data ?? null);
    if (text.includes(PASSWORD_1) || text.includes(PASSWORD_2)) fail(`${name}: a stored secret in the answer`);
    return answer;
  };
}
const op = {};
for (const name of MODULES) {
  for (const fn of Object.keys(api[name])) {
    if (fn !== "clearCache") op[RENAMED[fn] ?? fn] = wrap(api[name], fn);
  }
}

function expectStatus(what, answer, status) {
  if (answer.status !== status) {
    fail(`${what}: status ${answer.status}, expected ${status}: ${JSON.stringify(answer.data)}`);
    return false;
  }
  return true;
}

function expectShape(module, typeName, value, what) {
  for (const problem of check(types[module], typeName, value)) fail(`${what}: ${problem}`);
}

function expectError(what, answer, status) {
  if (expectStatus(what, answer, status)) expectShape("data-sources", "ResponseErrors", answer.data, what);
}

const unique = (prefix) => `${prefix}-${Math.random().toString(16).slice(2, 10)}`;
const restProperties = (path) => ({ url: `https://example.com/${path}`, method: "GET" });

// -- data-sources ------------------------------------------------------------------------------
{
  const listed = await op.getDataSources({ includeui: true, detail: true, includeDisabled: true }, USER);
  if (expectStatus("getDataSources", listed, 200)) {
    expectShape("data-sources", "DataSourcesResponseNew", listed.data, "getDataSources");
    const rest = listed.data.dataSources.find((s) => s.dataSourceId === "rest");
    if (!rest) fail("getDataSources: no rest source");
    else {
      if (!rest.uiInfo) fail("getDataSources includeui=true: rest has no uiInfo");
      if (!rest.qriDefinition) fail("getDataSources: rest has no qriDefinition");
      if (!Array.isArray(rest.capabilities)) fail("getDataSources: rest has no capabilities");
    }
    if (!Array.isArray(listed.data.connectorNodes)) fail("getDataSources detail=true: no connectorNodes");
  }
  const plain = await op.getDataSources({ dataSourceId: "rest" }, USER);
  if (expectStatus("getDataSources(dataSourceId)", plain, 200)) {
    const ids = plain.data.dataSources.map((s) => s.dataSourceId);
    if (ids.join() !== "rest") fail(`getDataSources(dataSourceId=rest): ${ids}`);
    if (plain.data.dataSources[0].uiInfo || plain.data.connectorNodes) {
      fail("getDataSources without includeui/detail: uiInfo or connectorNodes present");
    }
  }
  const spec = await op.getDataSourceApiSpecs("rest", USER);
  if (expectStatus("getDataSourceApiSpecs", spec, 200)) {
    expectShape("data-sources", "ApiSpecResponse", spec.data, "getDataSourceApiSpecs");
  }
  expectError("getDataSourceApiSpecs(unknown)", await op.getDataSourceApiSpecs("no-such-source", USER), 404);
  const settings = await op.getDataSourceSettings("GoogleCloudStorageConnector", USER);
  if (expectStatus("getDataSourceSettings", settings, 200)) {
    expectShape("data-sources", "DataSourceSettingsResponse", settings.data, "getDataSourceSettings");
  }
  const off = await op.putDataSourceSettings("GoogleCloudStorageConnector", { disabled: true }, ADMIN);
  if (expectStatus("putDataSourceSettings", off, 200)) {
    expectShape("data-sources", "DataSourceSettingsResponse", off.data, "putDataSourceSettings");
    if (off.data.disabled !== true) fail("putDataSourceSettings: not disabled");
  }
  const on = await op.putDataSourceSettings("GoogleCloudStorageConnector", { disabled: false }, ADMIN);
  if (expectStatus("putDataSourceSettings(enable)", on, 200) && on.data.disabled !== false) {
    fail("putDataSourceSettings: not enabled again");
  }
  expectError(
    "putDataSourceSettings as a user",
    await op.putDataSourceSettings("GoogleCloudStorageConnector", { disabled: true }, USER),
    403,
  );
}

// -- data-connections --------------------------------------------------------------------------
const made = [];
async function create(body, who, what) {
  const answer = await op.createDataConnection(body, who);
  if (!expectStatus(what, answer, 201)) return null;
  expectShape("data-connections", "ConnectionCreateResponse", answer.data, what);
  made.push(answer.data.qID);
  return answer.data;
}

const prefix = unique("qlik");
const first = await create(
  { qName: `${prefix}-a`, datasourceID: "rest", connectionProperties: restProperties("a") },
  USER,
  "createDataConnection(properties)",
);
for (const name of ["b", "c", "d", "e"]) {
  await create(
    { qName: `${prefix}-${name}`, datasourceID: "rest", connectionProperties: restProperties(name) },
    USER,
    `createDataConnection(${name})`,
  );
}
const statement = await create(
  {
    qName: `${prefix}-statement`,
    datasourceID: "rest",
    qType: "QvRestConnector.exe",
    qConnectStatement: 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://example.com/s;"',
    qUsername: "reader",
    qPassword: PASSWORD_1,
    qCredentialsName: `${prefix}-credential`,
    ownerId: "an-app-id",
  },
  USER,
  "createDataConnection(connect statement)",
);
expectError(
  "createDataConnection(unknown datasourceID)",
  await op.createDataConnection(
    {
      qName: unique("unknown"),
      datasourceID: "no-such-source",
      qType: "QvOdbcConnectorPackage.exe",
      qConnectStatement: 'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;"',
    },
    USER,
  ),
  400,
);

// Paging: two at a time, following next() to the end, meets every connection once.
{
  const seen = [];
  let page = await op.getDataConnections({ limit: 2, sort: "+qName", filter: `qName sw "${prefix}"` }, USER);
  let pages = 0;
  while (page && expectStatus(`getDataConnections page ${pages + 1}`, page, 200)) {
    expectShape("data-connections", "Connections", page.data, `getDataConnections page ${pages + 1}`);
    seen.push(...page.data.data.map((c) => c.qName));
    pages += 1;
    if (!page.next || pages > 10) break;
    page = await page.next(USER);
  }
  const expected = made.length;
  if (pages !== Math.ceil(expected / 2) || new Set(seen).size !== expected || seen.length !== expected) {
    fail(`getDataConnections paging: ${pages} pages, ${seen.length} items, expected ${expected}`);
  }
  if ([...seen].sort().join() !== seen.join()) fail(`getDataConnections paging: not in order ${seen}`);
}
{
  const filtered = await op.getDataConnections({ filter: `qri co "example.com"`, includeQris: true }, USER);
  if (expectStatus("getDataConnections(filter qri co)", filtered, 200)) {
    const names = filtered.data.data.map((c) => c.qName).filter((n) => n.startsWith(prefix));
    if (names.length !== made.length) fail(`getDataConnections(qri co): ${names.length} of ${made.length}`);
  }
  const renamed = await op.getDataConnections({ dataName: "items", limit: 1 }, USER);
  if (expectStatus("getDataConnections(dataName)", renamed, 200) && !Array.isArray(renamed.data.items)) {
    fail("getDataConnections(dataName=items): no items array");
  }
}

if (first) {
  const got = await op.getDataConnection(first.qID, { parseConnection: true }, USER);
  if (expectStatus("getDataConnection", got, 200)) {
    expectShape("data-connections", "ConnectionGet", got.data, "getDataConnection");
    if (got.data.connectionProperties?.url !== "https://example.com/a") {
      fail(`getDataConnection parseConnection: ${JSON.stringify(got.data.connectionProperties)}`);
    }
  }
  const byName = await op.getDataConnection(first.qName, { type: "connectionname" }, USER);
  if (expectStatus("getDataConnection(by name)", byName, 200) && byName.data.qID !== first.qID) {
    fail("getDataConnection(by name): another connection");
  }
  expectError("getDataConnection of another tenant", await op.getDataConnection(first.qID, {}, OTHER), 404);

  const patched = await op.patchDataConnection(
    first.qID,
    {},
    [{ op: "replace", path: "/qName", value: `${prefix}-a2` }],
    USER,
  );
  expectStatus("patchDataConnection", patched, 204);

  // A GET answer sent back as the PUT body: its read-only members are ignored.
  const current = await op.getDataConnection(first.qID, {}, USER);
  if (expectStatus("getDataConnection(before PUT)", current, 200)) {
    const body = { ...current.data, qName: `${prefix}-a3` };
    expectStatus("updateDataConnection(GET answer)", await op.updateDataConnection(first.qID, {}, body, USER), 204);
    const after = await op.getDataConnection(first.qID, {}, USER);
    if (expectStatus("getDataConnection(after PUT)", after, 200) && after.data.qName !== `${prefix}-a3`) {
      fail(`updateDataConnection: qName ${after.data.qName}`);
    }
    const moved = { ...current.data, id: "00000000-0000-4000-8000-000000000000" };
    expectError("updateDataConnection(changed id)", await op.updateDataConnection(first.qID, {}, moved, USER), 400);
  }

  const copy = await op.duplicateDataConnections({ id: first.qID, name: `${prefix}-copy` }, USER);
  if (expectStatus("duplicateDataConnections", copy, 201)) {
    expectShape("data-connections", "ConnectionCreateResponse", copy.data, "duplicateDataConnections");
    made.push(copy.data.qID);
  }

  const bulkUpdate = { connections: [{ id: first.qID, name: `${prefix}-a4` }] };
  expectError("updateDataConnections as a user", await op.updateDataConnections(bulkUpdate, USER), 403);
  const updated = await op.updateDataConnections(bulkUpdate, ADMIN);
  if (expectStatus("updateDataConnections", updated, 207)) {
    expectShape("data-connections", "BulkResponse", updated.data, "updateDataConnections");
    if (updated.data.data[0].status !== 204) fail(`updateDataConnections: ${JSON.stringify(updated.data)}`);
  }
}

// -- data-credentials --------------------------------------------------------------------------
if (statement) {
  const credentialId = statement.qCredentialsID;
  if (!credentialId) fail("createDataConnection(connect statement): no qCredentialsID");
  const credential = await op.getDataCredential(credentialId, {}, USER);
  if (expectStatus("getDataCredential", credential, 200)) {
    expectShape("data-credentials", "Credential", credential.data, "getDataCredential");
    if (JSON.stringify(credential.data).includes(PASSWORD_1)) fail("getDataCredential: the password");
  }
  const byName = await op.getDataCredential(`${prefix}-credential`, { byCredentialName: true }, USER);
  if (expectStatus("getDataCredential(by name)", byName, 200) && byName.data.qID !== credentialId) {
    fail("getDataCredential(by name): another credential");
  }
  expectStatus(
    "patchDataCredential",
    await op.patchDataCredential(credentialId, {}, [{ op: "replace", path: "/qUsername", value: "reader2" }], USER),
    204,
  );
  expectStatus(
    "updateDataCredential",
    await op.updateDataCredential(
      credentialId,
      {},
      { qName: `${prefix}-credential2`, qType: "QvRestConnector.exe", qUsername: "reader3", qPassword: PASSWORD_2 },
      USER,
    ),
    204,
  );
  expectError("getDataCredential of another tenant", await op.getDataCredential(credentialId, {}, OTHER), 404);

  // The connection goes; its credential stays, an orphan only an admin may list.
  expectStatus("deleteDataConnection", await op.deleteDataConnection(statement.qID, {}, USER), 204);
  made.splice(made.indexOf(statement.qID), 1);
  expectError("filterOrphanDataCredentials as a user", await op.filterOrphanDataCredentials({}, USER), 403);
  const orphans = await op.filterOrphanDataCredentials({ datasourceID: "rest" }, ADMIN);
  if (expectStatus("filterOrphanDataCredentials", orphans, 200)) {
    expectShape("data-credentials", "ActionFilterOrphanResponse", orphans.data, "filterOrphanDataCredentials");
    if (!orphans.data.data.some((o) => o.qID === credentialId)) fail("filterOrphanDataCredentials: not listed");
  }
  expectStatus("deleteDataCredential", await op.deleteDataCredential(credentialId, {}, USER), 204);
  expectError("getDataCredential(deleted)", await op.getDataCredential(credentialId, {}, USER), 404);
}

// -- generate-qri (the connectivity module only) -------------------------------------------------
if (first && op.generateQriDataSources) {
  const request = {
    rawValues: true,
    data: [
      { requestId: "by-id", connectionType: "id", connection: first.qID, pathProperties: [{ name: "filePath", value: "items" }] },
      { requestId: "by-name", connectionType: "name", connection: `:${prefix}-a4` },
      {
        requestId: "by-properties",
        connectionType: "properties",
        dataSourceId: "rest",
        connection: 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://example.com/q;"',
      },
      { requestId: "missing", connectionType: "id", connection: "00000000-0000-4000-8000-000000000000" },
    ],
  };
  const generated = await op.generateQriDataSources(request, USER);
  if (expectStatus("generateQriDataSources", generated, 207)) {
    for (const item of generated.data.data) {
      expectShape("data-sources", "QriResponseItem", item, `generateQriDataSources ${item.requestId}`);
    }
    const by = Object.fromEntries(generated.data.data.map((i) => [i.requestId, i]));
    for (const ok of ["by-id", "by-name", "by-properties"]) {
      if (by[ok]?.status?.code !== 200 || !by[ok].qri.startsWith("qri:")) {
        fail(`generateQriDataSources ${ok}: ${JSON.stringify(by[ok])}`);
      }
    }
    if (by["by-id"] && !(by["by-id"].isFullyQualified && by["by-id"].qri.endsWith("#items"))) {
      fail(`generateQriDataSources by-id with a path: ${JSON.stringify(by["by-id"])}`);
    }
    if (by.missing?.status?.code !== 404) fail(`generateQriDataSources missing: ${JSON.stringify(by.missing)}`);
  }
  const hashed = await op.generateQriDataSources(
    { data: [{ connectionType: "id", connection: first.qID }] },
    USER,
  );
  if (expectStatus("generateQriDataSources(hashed)", hashed, 207)) {
    const qri = hashed.data.data[0]?.qri ?? "";
    if (qri.includes("example.com")) fail(`generateQriDataSources without rawValues: ${qri}`);
  }
}

// -- the engine endpoint releases a connection to an engine key (the connectivity module) --------
if (first && op.filterDataSourceEndpoints) {
  const released = await op.filterDataSourceEndpoints({ connectionId: first.qID, reloadId: "reload-1" }, ENGINE);
  if (expectStatus("filterDataSourceEndpoints (engine key)", released, 201)) {
    expectShape("data-sources", "PostEndpointResponse", released.data, "filterDataSourceEndpoints");
    if (!released.data.connection?.connectionString) fail("filterDataSourceEndpoints: no connectionString");
  }
}

// -- the rest of the connections: bulk delete (admin), and one by one --------------------------
if (made.length) {
  const last = made.pop();
  expectError(
    "deleteDataConnections as a user",
    await op.deleteDataConnections({ connections: made.map((id) => ({ id })) }, USER),
    403,
  );
  const deleted = await op.deleteDataConnections({ connections: made.map((id) => ({ id })) }, ADMIN);
  if (expectStatus("deleteDataConnections", deleted, 207)) {
    expectShape("data-connections", "BulkResponse", deleted.data, "deleteDataConnections");
    if (deleted.data.data.some((i) => i.status !== 204)) fail(`deleteDataConnections: ${JSON.stringify(deleted.data)}`);
  }
  expectStatus("deleteDataConnection", await op.deleteDataConnection(last, {}, USER), 204);
  expectError("getDataConnection(deleted)", await op.getDataConnection(last, {}, USER), 404);
}

// -- gateways and the engine endpoints ---------------------------------------------------------
if (!PENDING.has("getDataSourceGateways")) {
  // A Direct Access source (DG_*) has gateways; another source is not found.
  const gateways = await op.getDataSourceGateways("DG_postgres", { forceRefresh: true }, USER);
  if (expectStatus("getDataSourceGateways", gateways, 200) && !Array.isArray(gateways.data.gateways)) {
    fail(`getDataSourceGateways: ${JSON.stringify(gateways.data)}`);
  }
  expectError("getDataSourceGateways(rest)", await op.getDataSourceGateways("rest", {}, USER), 404);
}
if (op.getDataSourceEndpoints && !PENDING.has("getDataSourceEndpoints")) {
  const endpoints = await op.getDataSourceEndpoints(ADMIN);
  if (expectStatus("getDataSourceEndpoints", endpoints, 200)) {
    expectShape("data-sources", "GetEndpointsResponse", endpoints.data, "getDataSourceEndpoints");
  }
}
if (op.filterDataSourceEndpoints && !PENDING.has("filterDataSourceEndpoints")) {
  const refused = await op.filterDataSourceEndpoints({ dataSourceId: "rest" }, USER);
  expectError("filterDataSourceEndpoints without the engine grant", refused, 403);
}

const operations = MODULES.flatMap((name) => Object.keys(api[name])).filter((fn) => fn !== "clearCache");
for (const name of operations) {
  if (!called.has(name) && !PENDING.has(RENAMED[name] ?? name)) fail(`${name}: never called`);
}
console.log(JSON.stringify({ called: [...called].sort(), operations: operations.sort(), failures }));
process.exit(failures.length ? 1 : 0);
