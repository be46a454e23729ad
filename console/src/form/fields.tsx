// Two fields the api-specs need that plain inputs do not give: name/value lists (REST headers and
// query parameters, with their `encrypt` toggle) and file lists (`format: file`, e.g. key files).
import type { FieldProps } from "@rjsf/utils";
import { useId, type ChangeEvent } from "react";
import type { JsonSchema } from "./spec";

export interface FormContext {
  mode: "create" | "edit";
  /** For each name/value list: which stored item each row started as (null: a new row). */
  origins: Record<string, (number | null)[]>;
  /** The properties as stored (edit), to tell which rows hold an encrypted value. */
  stored: Record<string, unknown>;
}

interface Pair {
  name?: string;
  value?: string;
  encrypt?: boolean;
}

interface FileItem {
  name: string;
  value: string;
}

export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Legend({ props }: { props: FieldProps }) {
  const schema = props.schema as JsonSchema;
  const label = (schema.title as string | undefined) ?? humanize(props.name);
  return (
    <>
      <legend>
        {label}
        {props.required ? <span className="required"> *</span> : null}
      </legend>
      {schema.description ? <small className="field-help">{schema.description as string}</small> : null}
    </>
  );
}

function Errors({ errors }: { errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <ul className="field-errors" role="alert">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

export function PairsField(props: FieldProps) {
  const { name, formData, onChange, fieldPathId, disabled, readonly, registry } = props;
  const context = registry.formContext as FormContext;
  const items: Pair[] = Array.isArray(formData) ? (formData as Pair[]) : [];
  const itemSchema = (props.schema as JsonSchema).items as JsonSchema | undefined;
  const hasEncrypt = !!(itemSchema?.properties as Record<string, unknown> | undefined)?.encrypt;
  const origins = (context.origins[name] ??= items.map(() => null));
  const label = humanize(name);
  const base = fieldPathId.$id;
  const storedItems = (context.stored[name] ?? []) as Pair[];
  const storedSecret = (i: number) => {
    const origin = origins[i];
    return context.mode === "edit" && origin !== null && origin !== undefined && storedItems[origin]?.encrypt === true && !items[i]?.value;
  };

  const update = (next: Pair[]) => onChange(next, fieldPathId.path);
  const set = (i: number, patch: Partial<Pair>) => update(items.map((item, k) => (k === i ? { ...item, ...patch } : item)));
  const add = () => {
    origins.push(null);
    update([...items, hasEncrypt ? { name: "", value: "", encrypt: false } : { name: "", value: "" }]);
  };
  const remove = (i: number) => {
    origins.splice(i, 1);
    update(items.filter((_, k) => k !== i));
  };
  const locked = disabled || readonly;

  return (
    <fieldset className="pairs" id={base}>
      <Legend props={props} />
      {items.length === 0 ? <p className="muted">None.</p> : null}
      {items.map((item, i) => {
        const stored = storedSecret(i);
        return (
          <div className="pair" role="group" aria-label={`${label} ${i + 1}`} key={i}>
            <label>
              Name
              <input id={`${base}_${i}_name`} value={item.name ?? ""} disabled={locked} onChange={(e) => set(i, { name: e.target.value })} />
            </label>
            <label>
              Value
              <input
                id={`${base}_${i}_value`}
                type={item.encrypt ? "password" : "text"}
                autoComplete={item.encrypt ? "new-password" : "off"}
                spellCheck={false}
                value={item.value ?? ""}
                placeholder={stored ? "stored encrypted: type to replace" : ""}
                disabled={locked}
                onChange={(e) => set(i, { value: e.target.value })}
              />
            </label>
            {hasEncrypt ? (
              <label className="inline" title={stored ? "Remove the item and add it again to store it unencrypted" : undefined}>
                <input
                  id={`${base}_${i}_encrypt`}
                  type="checkbox"
                  role="switch"
                  checked={item.encrypt === true}
                  disabled={locked || stored}
                  onChange={(e) => set(i, { encrypt: e.target.checked })}
                />
                Encrypt
              </label>
            ) : null}
            <button type="button" className="secondary outline" disabled={locked} onClick={() => remove(i)} aria-label={`Remove ${label} ${i + 1}`}>
              Remove
            </button>
          </div>
        );
      })}
      <button type="button" className="secondary" disabled={locked} onClick={add}>
        Add to {label.toLowerCase()}
      </button>
      <Errors errors={props.rawErrors} />
    </fieldset>
  );
}

async function readFile(file: File): Promise<FileItem> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    if (!text.includes("\u0000")) return { name: file.name, value: text };
  } catch {
    /* not text: sent as base64 */
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { name: file.name, value: btoa(binary) };
}

export function FilesField(props: FieldProps) {
  const { formData, onChange, fieldPathId, disabled, readonly, registry } = props;
  const context = registry.formContext as FormContext;
  const schema = props.schema as JsonSchema;
  const secret = schema["x-secret"] === true || schema.writeOnly === true;
  const items: FileItem[] = Array.isArray(formData) ? (formData as FileItem[]) : [];
  const inputId = useId();

  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = Array.from(event.target.files ?? []);
    event.target.value = "";
    if (!chosen.length) return;
    const read = await Promise.all(chosen.map(readFile));
    onChange(schema.maxItems === 1 ? read.slice(0, 1) : [...items, ...read], fieldPathId.path);
  };

  return (
    <fieldset className="files" id={fieldPathId.$id}>
      <Legend props={props} />
      {secret && context.mode === "edit" && items.length === 0 ? (
        <p className="muted">If a file is stored, it is kept and never shown. Choose a file to replace it.</p>
      ) : null}
      <label htmlFor={inputId}>Choose file{schema.maxItems === 1 ? "" : "s"}</label>
      <input id={inputId} type="file" multiple={schema.maxItems !== 1} disabled={disabled || readonly} onChange={pick} />
      {items.length ? (
        <ul className="file-list">
          {items.map((item, i) => (
            <li key={`${item.name}-${i}`}>
              <span>{item.name}</span>{" "}
              <button
                type="button"
                className="secondary outline"
                aria-label={`Remove file ${item.name}`}
                onClick={() => onChange(items.filter((_, k) => k !== i), fieldPathId.path)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <Errors errors={props.rawErrors} />
    </fieldset>
  );
}
