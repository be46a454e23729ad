"""Built-in data sources in an explicit map, plus ``dcaas.connectors`` entry points."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from dcaas.connectors.azure import (
    ADLS_FILE,
    ADLS_METADATA,
    AZURE_BLOB_FILE,
    AZURE_BLOB_METADATA,
)
from dcaas.connectors.gateway import gateway_sources
from dcaas.connectors.gcs import GCS_FILE, GCS_METADATA
from dcaas.connectors.oauth import GOOGLE_OAUTH, MICROSOFT_OAUTH, OAUTH_REST
from dcaas.connectors.rest import REST
from dcaas.connectors.s3 import S3_FILE, S3_METADATA, S3V1_FILE, S3V1_METADATA
from dcaas.connectors.salesforce import SALESFORCE
from dcaas.connectors.sftp import SFTP
from dcaas.connectors.spec import DataSource
from dcaas.connectors.sql.catalog import SQL_SOURCES

log = logging.getLogger(__name__)

BUILTINS: dict[str, DataSource] = {
    ds.id: ds
    for ds in (
        REST,
        S3_FILE,
        S3_METADATA,
        S3V1_FILE,
        S3V1_METADATA,
        GCS_FILE,
        GCS_METADATA,
        AZURE_BLOB_FILE,
        AZURE_BLOB_METADATA,
        ADLS_FILE,
        ADLS_METADATA,
        SFTP,
        OAUTH_REST,
        GOOGLE_OAUTH,
        MICROSOFT_OAUTH,
        SALESFORCE,
        *SQL_SOURCES,
        *gateway_sources(list(SQL_SOURCES)),
    )
}


@cache
def _catalog() -> dict[str, DataSource]:
    """The built-ins, then each plugin that loads and is a new ``DataSource``.

    A plugin cannot break the catalog: one that fails to import, is not a ``DataSource``
    or reuses a built-in's id is logged (once per catalog) and skipped. The warnings are
    written once the catalog is cached: log redaction reads the catalog's secret names.
    """
    catalog, skipped = _load()
    _pending_warnings.extend(skipped)
    return catalog


_pending_warnings: list[tuple[str, tuple[object, ...]]] = []


def _load() -> tuple[dict[str, DataSource], list[tuple[str, tuple[object, ...]]]]:
    catalog = dict(BUILTINS)
    skipped: list[tuple[str, tuple[object, ...]]] = []
    for ep in entry_points(group="dcaas.connectors"):
        try:
            source = ep.load()
        except Exception:  # noqa: BLE001 - any failure of a third party's import
            skipped.append(
                ("connector plugin %s (%s) failed to load; skipped", (ep.name, ep.value))
            )
            continue
        if not isinstance(source, DataSource):
            kind = type(source).__name__
            skipped.append(
                ("connector plugin %s is a %s, not a DataSource; skipped", (ep.name, kind))
            )
            continue
        if source.id in catalog:
            skipped.append(
                (
                    "connector plugin %s declares data source %r, which exists; skipped",
                    (ep.name, source.id),
                )
            )
            continue
        catalog[source.id] = source
    return catalog, skipped


def _loaded() -> dict[str, DataSource]:
    catalog = _catalog()
    while _pending_warnings:
        message, args = _pending_warnings.pop(0)
        log.warning(message, *args)
    return catalog


def refresh() -> None:
    """Read the entry points again (after a plugin was installed into the running process)."""
    _catalog.cache_clear()


def all_data_sources() -> list[DataSource]:
    return list(_loaded().values())


def get_data_source(data_source_id: str) -> DataSource | None:
    return _loaded().get(data_source_id)
