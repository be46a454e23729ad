"""Valid property values generated from a data source's JSON Schema (its api-spec), with no
server behind them: for tests that need "some valid value" and "another valid value" of any
property of any data source, so that a new connector is covered without a hand-written table.

Candidates are tried in order and the first the schema's pattern accepts wins; a shape no
candidate fits fails the test (:class:`NoSample`), so a new kind of property is noticed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcaas.connectors import DataSource

_TEXT = [
    "https://a.example/x",
    "https://a.example",
    "a.example",
    "SHA256:" + "A" * 43,
    "/a/path",
    "s3://bucket-a/out",
    "abc1",
]
_OTHER_TEXT = [
    "https://b.example/y",
    "https://b.example",
    "b.example",
    "SHA256:" + "B" * 43,
    "/b/path",
    "s3://bucket-b/out",
    "xyz2",
]


class NoSample(AssertionError):
    """A property whose schema no candidate here fits."""


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in (schema.get("anyOf") or [schema]) if v.get("type") != "null"]


def _text(variant: dict[str, Any], candidates: list[str], where: str) -> str:
    pattern = variant.get("pattern")
    for value in candidates:
        fits = pattern is None or re.search(pattern, value) is not None
        if fits and len(value) >= variant.get("minLength", 0):
            return value
    raise NoSample(f"{where}: no candidate matches {pattern!r}")


def sample(source: DataSource, name: str, *, other: bool = False) -> Any:  # noqa: PLR0911 - one return per JSON Schema type
    """A valid value of ``name``; with ``other``, a valid value unlike the default and the first."""
    schema = source.api_spec()["properties"][name]
    default = schema.get("default")
    where = f"{source.id}.{name}"
    for variant in _variants(schema):
        kind = variant.get("type")
        if "enum" in variant or "const" in variant:
            members = variant.get("enum", [variant.get("const")])
            choices = [m for m in members if m != default] if other else members
            if choices:
                return choices[0]
            continue
        if kind == "boolean":
            return not default if other else bool(default)
        if kind == "integer":
            low = variant.get("minimum", 1)
            return low + 4321 if other else low + 1234
        if kind == "array":
            items = variant.get("items", {})
            if schema.get("format") == "file" or "FileItem" in str(items.get("description", "")):
                tag = "B" if other else "A"
                return [{"name": f"{tag}.pem", "value": f"-----BEGIN CERTIFICATE----- {tag}"}]
            if "name" in items.get("properties", {}):
                return [{"name": "Proxy", "value": "http://b.example" if other else "http://a"}]
            return []
        if kind == "string":
            return _text(variant, _OTHER_TEXT if other else _TEXT, where)
    raise NoSample(f"{where}: no sample for {schema}")


def required_public(source: DataSource) -> dict[str, Any]:
    """A value for every required property that is not a secret."""
    spec = source.api_spec()
    secret = source.properties.secret_fields()
    return {n: sample(source, n) for n in spec.get("required", []) if n not in secret}
