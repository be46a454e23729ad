"""Built-in data sources in an explicit map, plus ``dcaas.connectors`` entry points."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from dcaas.connectors.gcs import GCS_FILE, GCS_METADATA
from dcaas.connectors.oauth import GOOGLE_OAUTH, MICROSOFT_OAUTH, OAUTH_REST
from dcaas.connectors.rest import REST
from dcaas.connectors.s3 import S3_FILE, S3_METADATA
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
        GCS_FILE,
        GCS_METADATA,
        SFTP,
        OAUTH_REST,
        GOOGLE_OAUTH,
        MICROSOFT_OAUTH,
        *SQL_SOURCES,
    )
}


@cache
def _catalog() -> dict[str, DataSource]:
    catalog = dict(BUILTINS)
    for ep in entry_points(group="dcaas.connectors"):
        source = ep.load()
        if not isinstance(source, DataSource):
            log.warning("entry point %s is not a DataSource; ignored", ep.name)
            continue
        catalog.setdefault(source.id, source)
    return catalog


def all_data_sources() -> list[DataSource]:
    return list(_catalog().values())


def get_data_source(data_source_id: str) -> DataSource | None:
    return _catalog().get(data_source_id)
