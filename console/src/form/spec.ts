// A data source's api-spec (GET /api/v1/data-sources/{id}/api-specs) made into a form.
// Everything here follows from JSON Schema keywords and dcaas's markers, never from a source's id:
// x-secret / writeOnly -> a password input that is never filled back; format: file -> file upload;
// arrays of {name, value[, encrypt]} -> a name/value list; enum -> select; default, description.
import type { RJSFSchema, UiSchema } from "@rjsf/utils";

export type JsonSchema = RJSFSchema & Record<string, unknown>;

export interface FormSpec {
  schema: JsonSchema;
  uiSchema: UiSchema;
  secrets: Set<string>;
  files: Set<string>;
  pairs: Set<string>;
  /** Groups of properties of which at least one must be given (e.g. a password or a key file). */
  alternatives: string[][];
}

// Qlik's cross-connector controls (the same for every data source): shown last, as advanced.
const CONTROLS = ["separateCredentials", "credentialsName", "selectedCredentials"];

export function isSecret(schema: JsonSchema | undefined): boolean {
  return !!schema && (schema["x-secret"] === true || schema.writeOnly === true);
}

/** `anyOf: [X, {type: "null"}]` (an optional value) as X itself, keeping the outer keywords. */
function collapseNullable(schema: JsonSchema): JsonSchema {
  const options = schema.anyOf as JsonSchema[] | undefined;
  if (!Array.isArray(options)) return schema;
  const rest = options.filter((o) => o.type !== "null");
  if (rest.length !== 1 || rest.length === options.length) return schema;
  const { anyOf: _dropped, ...outer } = schema;
  const merged: JsonSchema = { ...rest[0], ...outer };
  if (merged.default === null) delete merged.default;
  return merged;
}

function isPairList(schema: JsonSchema): boolean {
  const items = schema.items as JsonSchema | undefined;
  const props = items?.properties as Record<string, JsonSchema> | undefined;
  return schema.type === "array" && !!props && "name" in props && "value" in props && schema.format !== "file";
}

export function formSpec(apiSpec: JsonSchema): FormSpec {
  const source = (apiSpec.properties ?? {}) as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = {};
  const uiSchema: UiSchema = {};
  const secrets = new Set<string>();
  const files = new Set<string>();
  const pairs = new Set<string>();
  for (const [name, raw] of Object.entries(source)) {
    const prop = collapseNullable(raw);
    properties[name] = prop;
    const ui: Record<string, unknown> = {};
    if (prop.format === "file") {
      files.add(name);
      ui["ui:field"] = "files";
    } else if (isPairList(prop)) {
      pairs.add(name);
      ui["ui:field"] = "pairs";
    } else if (prop.type === "string" && isSecret(prop)) {
      ui["ui:widget"] = "password";
      ui["ui:autocomplete"] = "new-password";
    }
    if (isSecret(prop)) secrets.add(name);
    if (prop.type === "string" && typeof prop.maxLength === "number" && prop.maxLength > 60000) ui["ui:widget"] = "textarea";
    uiSchema[name] = ui;
  }
  const alternatives: string[][] = [];
  for (const clause of (apiSpec.allOf ?? []) as JsonSchema[]) {
    const group = ((clause.anyOf ?? []) as JsonSchema[]).flatMap((o) => (o.required as string[] | undefined) ?? []);
    if (group.length > 1) alternatives.push(group);
  }
  const order = Object.keys(properties).filter((n) => !CONTROLS.includes(n));
  uiSchema["ui:order"] = [...order, ...CONTROLS.filter((n) => n in properties), "*"];
  const schema: JsonSchema = {
    type: "object",
    properties,
    required: ((apiSpec.required as string[] | undefined) ?? []).filter((n) => n in properties),
    additionalProperties: false,
  };
  return { schema, uiSchema, secrets, files, pairs, alternatives };
}

/** In an edit form, a secret left empty keeps the stored value: say so, and never require it. */
export function forEditing(spec: FormSpec): FormSpec {
  const uiSchema: UiSchema = { ...spec.uiSchema };
  for (const name of spec.secrets) {
    uiSchema[name] = {
      ...(uiSchema[name] as object),
      "ui:placeholder": "stored encrypted, not shown: type a new value to replace it",
    };
  }
  const required = ((spec.schema.required as string[]) ?? []).filter((n) => !spec.secrets.has(n));
  return { ...spec, uiSchema, schema: { ...spec.schema, required }, alternatives: [] };
}

/** The values worth sending: no empty strings, nulls or undefined (the server's defaults apply). */
export function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null || v === "") continue;
      out[k] = clean(v);
    }
    return out;
  }
  return value;
}

/** A new connection's values without those equal to the spec's defaults: the server applies them. */
export function withoutDefaults(data: Record<string, unknown>, schema: JsonSchema): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) {
    const fallback = properties[name]?.default;
    if (fallback !== undefined && JSON.stringify(fallback) === JSON.stringify(value)) continue;
    out[name] = value;
  }
  return out;
}
