"""Webhooks, their outbox of deliveries, and every attempt made to deliver one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class Webhook(Base):
    """A URL a tenant admin subscribed to event types. ``secret`` and ``encryptedHeaders``
    are sealed together in one envelope (``sealed_*``); only their names stay readable."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(String(1024), default="")
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    encrypted_header_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_added: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cloud_events: Mapped[bool] = mapped_column(Boolean, default=False)
    check_certificate_revocation: Mapped[bool] = mapped_column(Boolean, default=False)
    filter: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    level: Mapped[str] = mapped_column(String(16), default="tenant")
    origin: Mapped[str] = mapped_column(String(32), default="api")
    disabled_reason: Mapped[str | None] = mapped_column(String(512), nullable=True)
    disabled_reason_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, doc="deliveries failed in a row")
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sealed_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sealed_key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    updated_by_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One event for one webhook: the outbox row. ``seq`` orders the deliveries of one
    object (``object_key``); ``lease_until`` and ``claim`` keep one worker at a time on it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "webhook_id", "object_key", "seq"),
    )

    seq: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(128))
    object_key: Mapped[str] = mapped_column(String(200))
    event: Mapped[dict[str, Any]] = mapped_column(JSON, doc="the event, without secrets")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, success, fail
    status_message: Mapped[str | None] = mapped_column(String(512), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    request_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    request_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)


class Attempt(Base):
    """One POST of a delivery: when, what came back (the body truncated)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # success, fail
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(String(512), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
