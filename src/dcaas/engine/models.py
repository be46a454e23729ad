from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class EngineRelease(Base):
    """One answer of the engine endpoint: who asked, for which connection, when, with which
    ``reloadId``, and how it ended. Never the secret. The connection and user are kept as
    plain values, so the record outlives them."""

    __tablename__ = "engine_releases"
    __table_args__ = (
        Index("ix_engine_releases_tenant_created", "tenant_id", "created", "id"),
        Index("ix_engine_releases_tenant_connection", "tenant_id", "connection_id", "created"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(256))
    via: Mapped[str] = mapped_column(String(16), doc="api_key or jwt")
    connection_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    connection_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    data_source_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    asked_by: Mapped[str] = mapped_column(
        String(32), doc="connectionId, connectionName, connectionString or dataSourceId"
    )
    reload_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), doc="released or refused")
    code: Mapped[str | None] = mapped_column(String(32), nullable=True, doc="why refused")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EngineEndpoint(Base):
    """Where an engine for a data source runs (Qlik's ``EndpointInstanceRef``)."""

    __tablename__ = "engine_endpoints"
    __table_args__ = (Index("ix_engine_endpoints_tenant_id", "tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    data_source_id: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(2048))
    is_pod_url: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
