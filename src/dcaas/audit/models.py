"""The audit trail: one row per event, written in the transaction of the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, JsonType, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class AuditEvent(Base):
    """Who did what to which object, and how it ended. ``data`` holds names and outcomes,
    never a secret value. ``tenant_id`` is empty for events of the whole installation (a key
    rotation, an authentication that named no known tenant)."""

    __tablename__ = "audit_events"
    # Two indexes only: every insert pays for each. A tenant's list walks the first (newest
    # first, its filters applied on the way); retention and the export use the second.
    __table_args__ = (
        Index("ix_audit_events_tenant_time", "tenant_id", "time", "id"),
        Index("ix_audit_events_time", "time"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    type: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(64), default="")  # "com.qlik/data-connections"
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No foreign key: the trail outlives what it describes (a deleted tenant's, too).
    tenant_id: Mapped[str] = mapped_column(String(64), default="")
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(256), nullable=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32), default="success")
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
