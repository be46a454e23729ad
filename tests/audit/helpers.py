"""Reading the audit trail straight from the store, as the tests check it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dcaas.audit.models import AuditEvent

if TYPE_CHECKING:
    from tests.conftest import Api


async def stored_events(api: Api, **where: Any) -> list[AuditEvent]:
    """Every stored event (all tenants), oldest first, narrowed by column values."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    stmt = select(AuditEvent).order_by(AuditEvent.time, AuditEvent.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    async with state.sessions() as session:
        return list((await session.scalars(stmt)).all())


def as_text(event: AuditEvent) -> str:
    """Every field of an event as one string, to search for secrets in."""
    fields = {c: getattr(event, c) for c in AuditEvent.__table__.columns.keys()}  # noqa: SIM118 - a ColumnCollection
    return json.dumps(fields, default=str)
