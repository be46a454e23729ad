"""Queries on webhooks and their deliveries.

The repositories are scoped to the caller's tenant. The worker's queries (:class:`Outbox`)
span every tenant on purpose: one worker delivers for all of them, and it only ever touches
rows by the ids it claimed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.orm import aliased

from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase, tenant_scope
from dcaas.webhook.models import Attempt, Delivery, Webhook

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.paging import Cursor, Sort

WEBHOOK_KEYSET = Keyset(
    fields={
        "name": Webhook.name,
        "url": Webhook.url,
        "createdAt": Webhook.created_at,
        "updatedAt": Webhook.updated_at,
    },
    id=Webhook.id,
)
DELIVERY_KEYSET = Keyset(
    fields={"triggeredAt": Delivery.triggered_at, "status": Delivery.status}, id=Delivery.id
)
# A tenant's enabled webhooks: asked by every audited write, so built once.
_ENABLED = select(Webhook.id, Webhook.event_types, Webhook.filter).where(
    tenant_scope(Webhook), Webhook.enabled.is_(True)
)


class WebhookRepository(RepositoryBase[Webhook]):
    model = Webhook

    async def get(self, webhook_id: str) -> Webhook | None:
        return await self.one(self.readable().where(Webhook.id == webhook_id))

    async def enabled(self) -> list[tuple[str, list[str], str | None]]:
        """(id, event types, filter) of the tenant's enabled webhooks (a tenant has few, so
        their JSON lists are matched in Python rather than in each dialect's SQL)."""
        rows = await self.session.execute(_ENABLED, self.params())
        return [(i, list(types or []), f) for i, types, f in rows.tuples()]

    async def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        """Outbox rows in one INSERT (no ORM objects: this runs in every audited write)."""
        await self.session.execute(insert(Delivery), rows)

    def filtered(self, filters: dict[str, Any]) -> Select[tuple[Webhook]]:
        stmt = self.readable()
        if filters.get("enabled") is not None:
            stmt = stmt.where(Webhook.enabled.is_(filters["enabled"]))
        for name, column in (("name", Webhook.name), ("url", Webhook.url)):
            if filters.get(name):
                stmt = stmt.where(column.ilike("%" + str(filters[name]).replace("*", "%") + "%"))
        for name, column in (
            ("createdByUserId", Webhook.created_by_user_id),
            ("updatedByUserId", Webhook.updated_by_user_id),
            ("origins", Webhook.origin),
            ("level", Webhook.level),
        ):
            if filters.get(name):
                stmt = stmt.where(column == filters[name])
        return stmt

    async def page(
        self, filters: dict[str, Any], *, sort: Sort, cursor: Cursor | None, limit: int
    ) -> Sequence[Webhook]:
        stmt = WEBHOOK_KEYSET.page_of(self.filtered(filters), sort=sort, cursor=cursor, limit=limit)
        return await self.all(stmt)


class DeliveryRepository(RepositoryBase[Delivery]):
    model = Delivery

    async def get(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        return await self.one(
            self.readable().where(Delivery.webhook_id == webhook_id, Delivery.id == delivery_id)
        )

    async def page(
        self,
        webhook_id: str,
        filters: dict[str, Any],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Sequence[Delivery]:
        stmt = self.readable().where(Delivery.webhook_id == webhook_id)
        if filters.get("eventType"):
            stmt = stmt.where(Delivery.event_type == filters["eventType"])
        if filters.get("status"):
            stmt = stmt.where(Delivery.status == filters["status"])
        stmt = DELIVERY_KEYSET.page_of(stmt, sort=sort, cursor=cursor, limit=limit)
        return await self.all(stmt)

    async def attempts(self, delivery_id: str) -> Sequence[Attempt]:
        stmt = (
            select(Attempt)
            .where(self.scope(Attempt), Attempt.delivery_id == delivery_id)
            .order_by(Attempt.number)
        )
        return (await self.session.scalars(stmt)).all()


class Outbox:
    """The worker's queries, across tenants (see the module docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_due(self, now: datetime) -> bool:
        """Whether some delivery may be due: a plain read, so an idle worker never takes
        the write lock (SQLite) or row locks (PostgreSQL)."""
        found = await self.session.scalar(
            select(Delivery.seq)
            .where(
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            )
            .limit(1)
        )
        return found is not None

    async def claim(
        self, *, now: datetime, lease_until: datetime, claim: str, limit: int
    ) -> list[tuple[Delivery, Webhook]]:
        """Take up to ``limit`` due deliveries under a lease, oldest first, at most one per
        webhook and object: a delivery waits while an earlier one of its object is pending.
        On PostgreSQL rows another worker is claiming are skipped (``SKIP LOCKED``); on
        SQLite the write transaction itself is the lock."""
        earlier = aliased(Delivery)
        blocked = exists().where(
            earlier.webhook_id == Delivery.webhook_id,
            earlier.object_key == Delivery.object_key,
            earlier.status == "pending",
            earlier.seq < Delivery.seq,
        )
        due = (
            select(Delivery.seq)
            .join(Webhook, Webhook.id == Delivery.webhook_id)
            .where(
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                Webhook.enabled.is_(True),
                ~blocked,
            )
            .order_by(Delivery.seq)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Delivery)
        )
        seqs = list((await self.session.scalars(due)).all())
        if not seqs:
            return []
        await self.session.execute(
            update(Delivery)
            .where(Delivery.seq.in_(seqs))
            .values(lease_until=lease_until, claim=claim, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        rows = await self.session.execute(
            select(Delivery, Webhook)
            .join(Webhook, Webhook.id == Delivery.webhook_id)
            .where(Delivery.seq.in_(seqs))
            .order_by(Delivery.seq)
            .execution_options(populate_existing=True)
        )
        return [(d, w) for d, w in rows.tuples()]

    async def held(self, seq: int, claim: str) -> tuple[Delivery, Webhook] | None:
        """The delivery and its webhook, if this worker's claim on it still holds."""
        row = (
            await self.session.execute(
                select(Delivery, Webhook)
                .join(Webhook, Webhook.id == Delivery.webhook_id)
                .where(and_(Delivery.seq == seq, Delivery.claim == claim))
                .with_for_update(of=Delivery)
                .execution_options(populate_existing=True)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def prune(self, before: datetime) -> int:
        """Delete finished deliveries triggered before ``before`` (their attempts cascade)."""
        result = await self.session.execute(
            delete(Delivery).where(Delivery.status != "pending", Delivery.triggered_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
