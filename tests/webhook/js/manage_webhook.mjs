// @qlik/api's webhooks module against a live dcaas: create, list, get, patch, update,
// event types, deliveries, delete. Prints one JSON line of what it saw.
// Usage: node manage_webhook.mjs <qlik-api-dir> <dcaas-url> <api-key> <receiver-url>
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, host, apiKey, target] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(path.join(dir, name)).href);
const { default: auth } = await load("auth.js");
const { default: webhooks } = await load("webhooks.js");
auth.setDefaultHostConfig({ host, authType: "apikey", apiKey });

const seen = {};
const created = await webhooks.createWebhook({
  name: "from-qlik-api",
  url: target,
  eventTypes: ["com.qlik.v1.data-connection.created"],
  secret: "qlik-api-secret-41b",
  encryptedHeaders: { Authorization: "Bearer qlik-api-header-77" },
});
seen.createStatus = created.status;
seen.created = created.data;
const id = created.data.id;
seen.list = (await webhooks.getWebhooks({ limit: 10 })).data.data.map((w) => w.id);
seen.get = (await webhooks.getWebhook(id)).data;
seen.patchStatus = (
  await webhooks.patchWebhook(id, [{ op: "replace", path: "/description", value: "patched" }])
).status;
seen.afterPatch = (await webhooks.getWebhook(id)).data.description;
const { id: _, ...editable } = seen.get;
seen.update = (await webhooks.updateWebhook(id, { ...editable, name: "renamed" })).data;
seen.eventTypes = (await webhooks.getWebhookEventTypes()).data.data.map((t) => t.name);
seen.deliveries = (await webhooks.getWebhookDeliveries(id, {})).data.data;
seen.deleteStatus = (await webhooks.deleteWebhook(id)).status;
try {
  await webhooks.getWebhook(id);
  seen.afterDelete = 200;
} catch (e) {
  seen.afterDelete = e.status;
}
console.log(JSON.stringify(seen));
