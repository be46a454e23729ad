"""The transactional outbox: an event becomes delivery rows in the transaction of its change.

:func:`enqueue` is called in the caller's unit of work (by the audit trail's ``record``), so a
committed change always has its deliveries and a rolled-back one never does. The worker
(:mod:`dcaas.webhook.worker`) delivers them later, at least once, under the event's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from dcaas.kit.ids import new_uuid
from dcaas.kit.time import iso, utcnow
from dcaas.webhook import wake
from dcaas.webhook.filtering import attributes, matches
from dcaas.webhook.repository import WebhookRepository

if TYPE_CHECKING:
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
    repo = WebhookRepository(session, event.tenant_id)
    stored = snapshot(event)
    attrs = attributes(stored)
    hook_ids = [i for i, text in await repo.subscribed(event.type) if matches(text, attrs)]
    if not hook_ids:
        return 0
    key = f"{event.object_type or '-'}:{event.object_id or '-'}"[:200]
    now = utcnow()
    await repo.add_deliveries(
        [
            {
                "id": new_uuid(),
                "tenant_id": event.tenant_id,
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
            for hook_id in hook_ids
        ]
    )
    wake.after_commit(session)
    return len(hook_ids)
