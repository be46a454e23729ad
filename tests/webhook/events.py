"""Events made by the webhook tests, with the fields a webhook delivers (the audit trail's
``AuditEvent`` has the same; see ``dcaas.webhook.outbox.WebhookEvent``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    from datetime import datetime


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
