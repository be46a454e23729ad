"""Queries on the audit trail: a tenant's events (the API), and the operator's walks over
every tenant's (the export and the retention job), which say so where they are written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, select

from dcaas.audit.models import AuditEvent
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.paging import Cursor, Sort

KEYSET = Keyset(
    fields={
        "eventTime": AuditEvent.time,
        "eventType": AuditEvent.type,
        "source": AuditEvent.source,
    },
    id=AuditEvent.id,
)


class AuditRepository(RepositoryBase[AuditEvent]):
    model = AuditEvent

    async def get(self, event_id: str) -> AuditEvent | None:
        return await self.one(self.readable().where(AuditEvent.id == event_id))

    async def page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Sequence[AuditEvent]:
        stmt = KEYSET.page_of(
            self.readable().where(*conditions), sort=sort, cursor=cursor, limit=limit
        )
        return await self.all(stmt)


async def since(
    session: AsyncSession, start: datetime, *, after: tuple[datetime, str] | None, limit: int
) -> Sequence[AuditEvent]:
    """Every tenant's events from ``start`` in time order (the operator's export, unscoped
    on purpose), a batch at a time after the last (time, id) seen."""
    stmt = select(AuditEvent).where(AuditEvent.time >= start)
    if after is not None:
        stmt = stmt.where(
            (AuditEvent.time > after[0])
            | ((AuditEvent.time == after[0]) & (AuditEvent.id > after[1]))
        )
    stmt = stmt.order_by(AuditEvent.time, AuditEvent.id).limit(limit)
    return (await session.scalars(stmt)).all()


async def delete_before(session: AsyncSession, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` events older than ``cutoff``, of every tenant (the retention
    job, unscoped on purpose); how many went."""
    oldest = select(AuditEvent.id).where(AuditEvent.time < cutoff).limit(limit)
    ids = list((await session.scalars(oldest)).all())
    if not ids:
        return 0
    await session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))
    return len(ids)
