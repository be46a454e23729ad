"""Pydantic and FastAPI validation errors, mapped to the envelope without leaking internals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.errors import Code, ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Sequence

_LOCATION_ROOTS = {"body", "query", "path", "header"}


def validation_failed(errors: Sequence[Any]) -> ValidationFailed:
    """The first error, naming its field; unknown members get their own code."""
    unknown = [e for e in errors if e.get("type") == "extra_forbidden"]
    if unknown:
        fields = [_field(e["loc"]) for e in unknown]
        return ValidationFailed(
            "unknown field(s): " + ", ".join(fields),
            field=fields[0],
            code=Code.UNKNOWN_FIELD,
            extra={"fields": fields},
        )
    missing = [_field(e["loc"]) for e in errors if e.get("type") == "missing"]
    if missing:
        return missing_fields(missing)
    first = errors[0]
    field = _field(first.get("loc", ()))
    code = Code.INVALID_TAGS if field.split(".")[0] == "tags" else Code.VALIDATION
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    head = (first.get("loc") or ("",))[0]  # a whole-model error has an empty location
    where = "query parameter" if head == "query" else "field"
    if head in ("query", "path", "header"):
        code = Code.INVALID_QUERY
    return ValidationFailed(f"{where} {field}: {message}", field=field, code=code)


def missing_fields(
    names: Sequence[str], *, code: Code = Code.VALIDATION, suffix: str = ""
) -> ValidationFailed:
    """Every required field the request left out, at once: ``meta.missing`` lists them and
    ``meta.field`` names the first."""
    noun = "field" if len(names) == 1 else "fields"
    return ValidationFailed(
        f"missing required {noun}: {', '.join(names)}{suffix}",
        field=names[0],
        code=code,
        extra={"missing": list(names)},
    )


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATION_ROOTS:
        parts = parts[1:]
    return ".".join(parts) or "body"
