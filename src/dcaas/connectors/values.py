"""Property values: booleans that are true or false and nothing else, and validation errors
that list every missing property at once and say what was expected and what kind of value
came. Values are not shown back (a misplaced secret would be), except a short word sent for
a boolean."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from pydantic_core import PydanticCustomError

from dcaas.errors import Code, ValidationFailed
from dcaas.kit.validation import missing_fields

if TYPE_CHECKING:
    from pydantic import ValidationError

    from dcaas.connectors.spec import ConnectorProperties, DataSource


def validation_failed(
    exc: ValidationError, prefix: str, source: DataSource, raw: dict[str, Any]
) -> ValidationFailed:
    """Every missing property at once; otherwise the first problem, saying what was sent."""
    errors = exc.errors(include_url=False, include_input=False)
    where = f" (data source '{source.id}')"
    missing = [_path(prefix, e["loc"]) for e in errors if e["type"] == "missing"]
    if missing:
        missing += [f"{prefix}.{name}" for name in _missing_credentials(source.properties, raw)]
        return missing_fields(missing, code=Code.INVALID_PROPERTIES, suffix=where)
    first = errors[0]
    path = _path(prefix, first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "string_pattern_mismatch":
        pattern = str((first.get("ctx") or {}).get("pattern", ""))
        expected = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        message = f"expected {expected}, got {_kind(_sent(raw, first['loc']))}"
    return ValidationFailed(f"{path}: {message}{where}", field=path, code=Code.INVALID_PROPERTIES)


def _missing_credentials(properties: type[ConnectorProperties], raw: dict[str, Any]) -> list[str]:
    """The credential groups none of whose members was given (as ``_check_credentials`` would
    say once the other properties are valid), so that one answer lists everything missing."""
    if raw.get("selectedCredentials") or raw.get("separateCredentials"):
        return []
    return [
        " or ".join(group)
        for group in properties.required_credentials
        if not any(raw.get(name) for name in group)
    ]


# Patterns of the built-in data sources in words; others are shown as they are.
_PATTERN_WORDS = {
    r"^https?://\S+$": "an http:// or https:// URL such as https://example.com/api",
    r"^[a-z0-9][a-z0-9.\-]*[a-z0-9]$": "a bucket name of lowercase letters, digits, '.' and '-'",
    r"^[a-z0-9][a-z0-9._\-]*[a-z0-9]$": (
        "a bucket name of lowercase letters, digits, '.', '_' and '-'"
    ),
}
_MISSING = object()


def _path(prefix: str, loc: tuple[int | str, ...]) -> str:
    inner = ".".join(str(p) for p in loc)
    return f"{prefix}.{inner}" if inner else prefix


def _sent(raw: Any, loc: tuple[int | str, ...]) -> Any:
    """The value the client sent at ``loc``."""
    node = raw
    for part in loc:
        node = _step(node, part)
    return node


def _step(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part, _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _kind(value: Any) -> str:
    """What a sent value is, in words (never the value: it may be a secret)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text that is not one" if value else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "nothing" if value is None or value is _MISSING else type(value).__name__


def strict_bool(value: Any) -> Any:
    """``true``/``false``, or the text ``"true"``/``"false"`` (any case); None passes (an
    optional property). Anything else (``"yes"``, ``1``, ``"on"``) is refused, not guessed."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    sent = (
        f"the text {value!r}"
        if isinstance(value, str) and len(value) <= _ECHO_MAX
        else _kind(value).replace("text that is not one", "text")
    )
    raise PydanticCustomError(
        "strict_bool",
        'expected true or false (a JSON boolean, or the text "true" or "false"), got {sent}',
        {"sent": sent},
    )


_ECHO_MAX = 16  # a short word sent for a boolean is shown back; longer text is not


def is_boolean(annotation: Any) -> bool:
    return annotation is bool or (
        bool(get_args(annotation)) and set(get_args(annotation)) <= {bool, type(None)}
    )
