"""QRIs (Qlik Resource Identifiers) from a data source's templates, as Qlik's types describe.

A data source's ``qriDefinition`` has a fixed ``qriPrefix``, a ``connectionPart`` filled from
the connection's properties, a ``pathPart`` (with its literal ``prefix``) filled from path
property values, and optionally an ``itemPart``. A QRI is ``qriPrefix + connection`` plus,
when path values are given, ``pathPart.prefix + path`` (then it is fully qualified), plus
``itemPart.prefix + item`` when item values are given.

``rawValues=false`` asks for hashed values: Qlik does not document its hash, so dcaas hashes
the connection part (the part that may name hosts and buckets) with SHA-256 and keeps the
prefix, path and item readable; the same connection always gives the same hashed QRI.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from dcaas.connectors import DataSource


@dataclass(frozen=True)
class Template:
    template: str
    prefix: str = ""

    @property
    def properties(self) -> list[str]:
        return [name for _, name, _, _ in string.Formatter().parse(self.template) if name]


# Where a connection's data lives below it: a file path for file and REST sources, a schema
# and table for databases (Qlik's example: ``{schema}.{table}``).
FILE_PATH = Template("{filePath}", prefix="#")
TABLE_PATH = Template("{schema}.{table}", prefix="#")


class QriError(ValueError):
    """The values given do not fill the template (a property is missing)."""


def path_template(source: DataSource) -> Template:
    return TABLE_PATH if source.qri_prefix.startswith("qri:db:") else FILE_PATH


def connection_part(source: DataSource, properties: Mapping[str, Any]) -> str | None:
    """The connection part of a connection's QRI, or ``None`` (no template, or a property the
    template names is not set)."""
    if not source.qri_prefix:
        return None
    try:
        return source.qri_connection_template.format(**properties)
    except (KeyError, IndexError, ValueError):
        return None


def connection_qri(source: DataSource | None, properties: Mapping[str, Any]) -> str | None:
    """A connection's own QRI (what answers carry as ``qri``)."""
    if source is None or (part := connection_part(source, properties)) is None:
        return None
    return source.qri_prefix + part


def _filled(template: Template, values: Sequence[tuple[str | None, str]]) -> str:
    """``template`` filled by name, or in order for values without a name."""
    names = template.properties
    named = {name: value for name, value in values if name}
    ordered = [value for name, value in values if not name]
    for name in names:
        if name not in named and ordered:
            named[name] = ordered.pop(0)
    missing = [name for name in names if name not in named]
    if missing:
        raise QriError(f"no value for {', '.join(missing)} of the template {template.template!r}")
    return template.template.format(**named)


@dataclass(frozen=True)
class Built:
    qri: str
    fully_qualified: bool


def build(
    source: DataSource,
    connection: str,
    *,
    path: Sequence[tuple[str | None, str]] = (),
    item: Sequence[tuple[str | None, str]] = (),
    raw: bool = True,
) -> Built:
    """A QRI from a connection part and optional path and item values."""
    if not raw:
        connection = hashlib.sha256(connection.encode()).hexdigest()
    qri = source.qri_prefix + connection
    if path:
        template = path_template(source)
        qri += template.prefix + _filled(template, path)
    if item:
        if not path:
            raise QriError("item properties need path properties")
        raise QriError(f"data source {source.id!r} has no item part in its QRI definition")
    return Built(qri, fully_qualified=bool(path))
