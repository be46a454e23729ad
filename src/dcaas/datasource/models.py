from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, JsonType, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class DataSourceSetting(Base):
    """A tenant's settings for one data source; no row means enabled."""

    __tablename__ = "data_source_settings"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    data_source_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Gateway(Base):
    """A Direct Access gateway: where the ``DG_*`` connections naming it run."""

    __tablename__ = "gateways"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    # The DG_* data sources it serves; [] serves none.
    data_sources: Mapped[list[str]] = mapped_column(JsonType, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
