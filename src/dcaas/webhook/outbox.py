"""The transactional outbox: an event becomes delivery rows in the transaction of its change.

:func:`enqueue` is called in the caller's unit of work (by the audit trail's ``record``), so a
committed change always has its deliveries and a rolled-back one never does. The worker
(:mod:`dcaas.webhook.worker`) delivers them later, at least once, under the event's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from dcaas.audit.service import PENDING_KEY
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import iso, utcnow
from dcaas.webhook import wake
from dcaas.webhook.filtering import attributes, matches
from dcaas.webhook.repository import WebhookRepository

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


class WebhookEvent(Protocol):
    """What a webhook delivers of an event (``dcaas.audit.models.AuditEvent`` has these)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def time(self) -> datetime: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any] | None: ...
    @property
    def actor_id(self) -> str | None: ...


def snapshot(event: WebhookEvent) -> dict[str, Any]:
    """The event as stored with its deliveries (what every attempt sends, unchanged)."""
    return {
        "id": event.id,
        "type": event.type,
        "time": iso(event.time),
        "tenantId": event.tenant_id,
        "actorId": event.actor_id,
        "objectType": event.object_type,
        "objectId": event.object_id,
        "outcome": event.outcome,
        "data": dict(event.data or {}),
    }


async def enqueue(session: AsyncSession, event: WebhookEvent) -> int:
    """One pending delivery per enabled webhook of the event's tenant subscribed to its type,
    written in ``session``'s transaction (committed or rolled back with the change); how
    many."""
    return await enqueue_all(session, [event])


async def enqueue_all(session: AsyncSession, events: Sequence[WebhookEvent]) -> int:
    """:func:`enqueue` for several events: one query per tenant for its enabled webhooks, one
    INSERT for all the deliveries."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    by_tenant: dict[str, list[WebhookEvent]] = {}
    for each in events:
        by_tenant.setdefault(each.tenant_id, []).append(each)
    for tenant_id, tenant_events in by_tenant.items():
        hooks = await WebhookRepository(session, tenant_id).enabled()
        if not hooks:
            continue
        for event in tenant_events:
            stored = snapshot(event)
            attrs = attributes(stored)
            key = f"{event.object_type or '-'}:{event.object_id or '-'}"[:200]
            rows += [
                {
                    "id": new_uuid(),
                    "tenant_id": tenant_id,
                    "webhook_id": hook_id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "object_key": key,
                    "event": stored,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "triggered_at": event.time,
                }
                for hook_id, types, text in hooks
                if event.type in types and matches(text, attrs)
            ]
    if rows:
        await WebhookRepository(session, rows[0]["tenant_id"]).add_deliveries(rows)
        wake.after_commit(session)
    return len(rows)


PUBLISHED_KEY = "dcaas.webhook.published"  # ids of the transaction's events already enqueued


async def publish(session: AsyncSession) -> None:
    """Before a unit of work commits: the deliveries of every audit event of its transaction
    (a ``BEFORE_COMMIT`` hook, see :func:`dcaas.kit.db.commit`).

    A flush first, so the audit hook has seen every row change; then the events not enqueued
    yet, and again while enqueueing records more (it adds only delivery rows, which are not
    audited, so this ends at once).
    """
    if session.new or session.dirty or session.deleted:
        await session.flush()
    done: set[str] = session.info.setdefault(PUBLISHED_KEY, set())
    while fresh := [e for e in session.info.get(PENDING_KEY, ()) if e.id not in done]:
        done.update(e.id for e in fresh)
        if await enqueue_all(session, fresh):
            await session.flush()
