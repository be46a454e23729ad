import Form from "@rjsf/core";
import type { ErrorSchema, RegistryFieldsType } from "@rjsf/utils";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ApiError, get } from "../api";
import { FilesField, PairsField, humanize, type FormContext } from "./fields";
import { formSpec, type FormSpec, type JsonSchema } from "./spec";
import { validator } from "./validator";

const FIELDS: RegistryFieldsType = { pairs: PairsField, files: FilesField };

export function useFormSpec(dataSourceId: string | undefined) {
  return useQuery({
    queryKey: ["api-spec", dataSourceId],
    enabled: !!dataSourceId,
    staleTime: 300_000,
    queryFn: ({ signal }) =>
      get<{ connectionProperties: JsonSchema }>(`/api/v1/data-sources/${encodeURIComponent(dataSourceId!)}/api-specs`, signal).then(
        (answer) => withTitles(formSpec(answer.connectionProperties)),
      ),
  });
}

function withTitles(spec: FormSpec): FormSpec {
  const properties = spec.schema.properties as Record<string, JsonSchema>;
  for (const [name, prop] of Object.entries(properties)) if (!prop.title) prop.title = humanize(name);
  return spec;
}

/** The API's validation error as an error on the field it names (meta.field). */
export function fieldErrors(error: unknown): ErrorSchema | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const field = error.meta.field;
  if (typeof field !== "string" || !field.startsWith("connectionProperties.")) return undefined;
  const path = field.split(".").slice(1);
  const root: Record<string, unknown> = {};
  let node = root;
  for (const part of path) {
    node = (node[part] = node[part] ?? {}) as Record<string, unknown>;
  }
  node.__errors = [error.detail];
  return root as ErrorSchema;
}

interface Props {
  spec: FormSpec;
  formData: Record<string, unknown>;
  onChange: (data: Record<string, unknown>) => void;
  context: FormContext;
  disabled?: boolean;
  extraErrors?: ErrorSchema;
  onSubmit: () => void;
  children: ReactNode;
  formRef?: React.Ref<Form>;
}

export function ConnectionForm({ spec, formData, onChange, context, disabled, extraErrors, onSubmit, children, formRef }: Props) {
  return (
    <>
      {spec.alternatives.map((group) => (
        <p className="muted" key={group.join()}>
          Give at least one of: {group.map(humanize).join(", ")}.
        </p>
      ))}
      <Form
        ref={formRef}
        schema={spec.schema}
        uiSchema={spec.uiSchema}
        validator={validator}
        fields={FIELDS}
        formData={formData}
        formContext={context}
        onChange={(event) => onChange((event.formData ?? {}) as Record<string, unknown>)}
        onSubmit={() => onSubmit()}
        disabled={disabled}
        extraErrors={extraErrors}
        showErrorList={false}
        noHtml5Validate
        idPrefix="prop"
      >
        {children}
      </Form>
    </>
  );
}
