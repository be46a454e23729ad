"""``dcaas audit export``: every tenant's events since a time, as JSON lines, for a SIEM.

Runs on the server's side, reading the configured store (like ``dcaas keys``); ``list`` and
``get`` (added from :mod:`dcaas_client.cli.audits`) go through the API as a tenant admin.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from dcaas.audit.repository import since as events_since
from dcaas.audit.service import as_log_fields
from dcaas.exits import expected_errors, load_settings
from dcaas.kit.db import create_engine, session_factory
from dcaas.store import require_store
from dcaas_client.cli.audits import audit

__all__ = ["audit"]
_BATCH = 500


class Format(StrEnum):
    jsonl = "jsonl"


def _instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"{raw!r} is not an ISO 8601 date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def export(url: str, start: datetime, out: typer.FileTextWrite | None = None) -> int:
    """Write every event from ``start`` to ``out`` (stdout), oldest first; how many."""
    stream = out or sys.stdout
    engine = create_engine(url)
    written = 0
    try:
        sessions = session_factory(engine)
        after = None
        while True:
            async with sessions() as session:
                batch = await events_since(session, start, after=after, limit=_BATCH)
            for event in batch:
                stream.write(json.dumps(as_log_fields(event), separators=(",", ":")) + "\n")
            written += len(batch)
            if len(batch) < _BATCH:
                return written
            after = (batch[-1].time, batch[-1].id)
    finally:
        await engine.dispose()


@audit.command("export")
def audit_export(
    since: Annotated[str, typer.Option(help="ISO 8601 date-time: events at or after it")],
    format: Annotated[Format, typer.Option(help="jsonl: one event per line")] = Format.jsonl,  # noqa: A002, ARG001 - one format so far
) -> None:
    """Every tenant's events since a time, one JSON object a line (server side: reads the
    store named by DCAAS_DATABASE_URL / DCAAS_DATA_DIR)."""
    start = _instant(since)
    with expected_errors():
        settings = load_settings()
        require_store(settings)
        count = asyncio.run(export(settings.async_database_url, start))
    typer.echo(f"exported {count} events", err=True)
