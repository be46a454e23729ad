"""A stand-in for the audit trail's ``record``, until ``dcaas.audit`` is merged.

MERGE NOTE: ``dcaas.audit.service.record(session, event)`` replaces :func:`emit` (and calls
:func:`dcaas.webhook.outbox.enqueue` itself); its ``AuditEvent`` satisfies
:class:`~dcaas.webhook.outbox.WebhookEvent`. Only connection create calls this for now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow
from dcaas.webhook.outbox import enqueue

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class ChangeEvent:
    """An event with the fields a webhook delivers."""

    type: str
    tenant_id: str
    actor_id: str | None
    object_type: str | None
    object_id: str | None
    outcome: str | None = "success"
    data: dict[str, Any] | None = None
    id: str = field(default_factory=new_uuid)
    time: datetime = field(default_factory=utcnow)


async def emit(session: AsyncSession, event: ChangeEvent) -> None:
    """In the caller's transaction: the event's webhook deliveries (see the module docstring)."""
    await enqueue(session, event)
