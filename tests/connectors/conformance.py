"""What the conformance suite derives from a data source's spec alone.

* :func:`sample`: valid properties made from the api-spec (``examples``, defaults, enums,
  values that match a ``pattern``), every secret set to a marker that must never be seen;
* :func:`network_fields`: where the spec says the source connects (a host and a port, or a
  URL), so the host-based cases can point it at a local port; None when it says nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests import log_guard

from dcaas.connectors.spec import DESTINATION_MARK, SECRET_MARK

if TYPE_CHECKING:
    from dcaas.connectors.spec import DataSource

_CANDIDATES = [
    "db.example.com",
    "https://api.example.com/v1",
    "s3://example-bucket/prefix/",
    "/sql/1.0/warehouses/abc",
    "example-name",
    "example",
]


@dataclass
class Sample:
    properties: dict[str, Any]
    secrets: dict[str, str]  # property -> the marker written into it


def _branch(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional property."""
    for option in prop.get("anyOf", []):
        if option.get("type") != "null":
            return {**prop, **option}
    return prop


def _string(name: str, prop: dict[str, Any]) -> str:
    pattern = prop.get("pattern")
    for text in _CANDIDATES:
        fits = len(text) >= prop.get("minLength", 0) and len(text) <= prop.get("maxLength", 9999)
        if fits and (pattern is None or re.search(pattern, text)):
            return text
    raise AssertionError(f"no sample value fits {name}'s pattern; declare examples=[...]")


def _value(name: str, prop: dict[str, Any]) -> Any:  # noqa: PLR0911 - one return per JSON type
    if prop.get("examples"):
        return prop["examples"][0]
    if prop.get("default") is not None:
        return prop["default"]
    branch = _branch(prop)
    if "enum" in branch:
        return branch["enum"][0]
    kind = branch.get("type")
    if kind == "integer":
        return max(1, branch.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        return [{"name": f"{name}.txt", "value": "example"}] if prop.get("format") else []
    return _string(name, branch)


def sample(source: DataSource) -> Sample:
    """Properties that validate, with every secret set to a unique marker."""
    spec = source.api_spec()
    props: dict[str, dict[str, Any]] = spec["properties"]
    wanted = set(spec.get("required", []))
    for group in spec.get("allOf", []):
        wanted.add(group["anyOf"][0]["required"][0])
    secret_names = {n for n, p in props.items() if p.get(SECRET_MARK)}
    values: dict[str, Any] = {}
    markers: dict[str, str] = {}
    for name in sorted(wanted | secret_names):
        prop = props[name]
        if name in secret_names:
            marker = f"Secret-{name}-{uuid.uuid4().hex[:12]}"
            log_guard.remember(marker)
            markers[name] = marker
            file = prop.get("format") == "file"
            values[name] = [{"name": f"{name}.pem", "value": marker}] if file else marker
        else:
            values[name] = _value(name, prop)
    return Sample(values, markers)


@dataclass(frozen=True)
class Network:
    """How to point a source at host:port: the properties to set."""

    host: str | None = None
    port: str | None = None
    url: str | None = None

    def pointed(self, base: dict[str, Any], port: int) -> dict[str, Any]:
        out = dict(base)
        if self.url is not None:
            out[self.url] = f"http://127.0.0.1:{port}/"
        else:
            out[self.host or ""] = "127.0.0.1"
            if self.port is not None:
                out[self.port] = port
        return out


def network_fields(source: DataSource) -> Network | None:
    """The destination properties that name a host and port, or a URL (None when none)."""
    props: dict[str, dict[str, Any]] = source.api_spec()["properties"]
    destinations = {n: _branch(p) for n, p in props.items() if p.get(DESTINATION_MARK)}
    host = next(
        (
            n
            for n, p in destinations.items()
            if p.get("type") == "string" and n.lower() in {"host", "server", "hostname"}
        ),
        None,
    )
    port = next(
        (
            n
            for n, p in destinations.items()
            if p.get("type") == "integer" and p.get("maximum") == 65535
        ),
        None,
    )
    if host is not None:
        return Network(host=host, port=port)
    url = next(
        (
            n
            for n, p in destinations.items()
            if p.get("type") == "string" and str(p.get("pattern", "")).startswith("^https?")
        ),
        None,
    )
    return Network(url=url) if url is not None else None
