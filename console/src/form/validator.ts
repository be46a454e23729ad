// react-jsonschema-form's validator interface on @cfworker/json-schema, which interprets schemas
// instead of compiling them to code: the console's Content-Security-Policy forbids eval, which
// RJSF's default (AJV) needs for schemas known only at run time (each data source's api-spec).
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import {
  createErrorHandler,
  toErrorList,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
  type CustomValidator,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
} from "@rjsf/utils";

// Keywords that only report that a sub-schema failed; the failing leaf is reported as well.
const CONTAINERS = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "additionalItems", "unevaluatedProperties"]);

function json(data: unknown): unknown {
  return data === undefined ? undefined : JSON.parse(JSON.stringify(data, (_k, v) => (v === null ? undefined : v)));
}

function run(schema: RJSFSchema, data: unknown): OutputUnit[] {
  const validator = new Validator(schema as Schema, "2020-12", false);
  return validator.validate(json(data) ?? {}).errors;
}

function toRjsf(unit: OutputUnit): RJSFValidationError {
  const segments = unit.instanceLocation.replace(/^#/, "").split("/").filter(Boolean).map(decodeURIComponent);
  let message = unit.error;
  if (unit.keyword === "required") {
    const missing = /"([^"]+)"/.exec(unit.error)?.[1];
    if (missing) segments.push(missing);
    message = "is required";
  } else if (unit.keyword === "pattern") {
    message = "does not have the expected form";
  }
  const property = segments.length ? `.${segments.join(".")}` : "";
  return { name: unit.keyword, property, message, stack: `${property || "form"} ${message}`.trim(), schemaPath: unit.keywordLocation };
}

function leafErrors(schema: RJSFSchema, data: unknown): RJSFValidationError[] {
  const seen = new Set<string>();
  const errors: RJSFValidationError[] = [];
  for (const unit of run(schema, data)) {
    if (CONTAINERS.has(unit.keyword) || unit.keyword === "anyOf") continue;
    const error = toRjsf(unit);
    const key = `${error.property}|${error.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(error);
    }
  }
  return errors;
}

export const validator: ValidatorType = {
  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    let errors = leafErrors(schema, formData);
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const data: ValidationData<unknown> = { errors, errorSchema: toErrorSchema(errors) };
    if (!customValidate) return data;
    const handler = customValidate(formData, createErrorHandler(formData), uiSchema);
    const custom = unwrapErrorHandler(handler);
    return validationDataMerge(data, custom);
  },
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      const withRoot = rootSchema?.definitions ? { ...schema, definitions: rootSchema.definitions } : schema;
      return run(withRoot, formData).length === 0;
    } catch {
      return false;
    }
  },
  rawValidation<Result = unknown>(schema: RJSFSchema, formData?: unknown) {
    try {
      return { errors: run(schema, formData) as unknown as Result[] };
    } catch (error) {
      return { validationError: error as Error };
    }
  },
};

export { toErrorList };
