"""``qConnectStatement``: Qlik's ``CUSTOM CONNECT TO "provider=...;sourceType=...;k=v;"``.

Sources of the ODBC connector package name themselves with ``driver=`` instead
(``provider=QvOdbcConnectorPackage.exe;driver=snowflake;...``); the data source's
``source_property`` says which key it uses.

Values are percent-escaped where they would break the form (``%``, ``;``, ``"``, ``=``,
control characters); lists and objects are JSON. :func:`parse` is the exact inverse of
:func:`build` for statements built here, and reads other ``CUSTOM CONNECT`` statements
leniently. Secrets are never part of a statement.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from dcaas.connectors import get_data_source

_UNSAFE = re.compile(r'[%;"=\x00-\x1f\x7f]')
_FORM = re.compile(
    r'^\s*CUSTOM\s+CONNECT\s+TO\s+"(?P<body>.*)"\s*;?\s*$', re.IGNORECASE | re.DOTALL
)
PROVIDER = "provider"
SOURCE_TYPE = "sourceType"
DRIVER = "driver"


def _escape(value: str) -> str:
    return _UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", value)


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def build(
    provider: str, source_type: str, properties: dict[str, Any], *, key: str | None = None
) -> str:
    """The statement; ``key`` defaults to the data source's own (``sourceType`` or ``driver``)."""
    key = key or _source_key(source_type)
    parts = [f"{PROVIDER}={_escape(provider)}", f"{_escape(key)}={_escape(source_type)}"]
    parts += [f"{_escape(k)}={_escape(_encode(v))}" for k, v in properties.items()]
    return 'CUSTOM CONNECT TO "' + ";".join(parts) + ';"'


def _source_key(source_type: str) -> str:
    source = get_data_source(source_type)
    return source.source_property if source is not None else SOURCE_TYPE


@dataclass(frozen=True)
class Parsed:
    provider: str | None
    source_type: str | None
    properties: dict[str, Any] = field(default_factory=dict)
    source_key: str = SOURCE_TYPE  # the key that named the source: sourceType or driver


def parse(statement: str) -> Parsed | None:
    """The provider, source type and properties of a ``CUSTOM CONNECT`` statement.

    None when the statement has another form (``ODBC CONNECT TO ...``, ``LIB CONNECT``).
    Values that look like JSON lists or objects are decoded.
    """
    match = _FORM.match(statement)
    if match is None:
        return None
    props: dict[str, Any] = {}
    for part in match.group("body").split(";"):
        if not part.strip():
            continue
        key, sep, raw = part.partition("=")
        if not sep:
            continue
        props[unquote(key.strip())] = _decode(unquote(raw))
    provider = props.pop(PROVIDER, None)
    key = SOURCE_TYPE if SOURCE_TYPE in props or DRIVER not in props else DRIVER
    source = props.pop(key, None)
    return Parsed(
        provider=provider if isinstance(provider, str) else None,
        source_type=source if isinstance(source, str) else None,
        properties=props,
        source_key=key,
    )


def _decode(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw
