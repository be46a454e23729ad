from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, JsonType, UTCDateTime
from dcaas.kit.ids import new_object_id, new_uuid
from dcaas.kit.time import utcnow


class SpaceType(StrEnum):
    PERSONAL = "personal"
    SHARED = "shared"
    MANAGED = "managed"


class Role(StrEnum):
    """Qlik's shared-space roles. Producers and facilitators manage data connections;
    consumers and data consumers may only use them."""

    FACILITATOR = "facilitator"
    PRODUCER = "producer"
    CONSUMER = "consumer"
    DATACONSUMER = "dataconsumer"


MANAGE_ROLES = frozenset({Role.FACILITATOR, Role.PRODUCER})
USE_ROLES = frozenset(Role)


class Space(Base):
    """A personal or shared space. Shared-space names are unique among the spaces a caller
    can see (checked by the service), not tenant-wide: a tenant-wide rule would answer 409
    for the name of a space the caller may not know exists."""

    __tablename__ = "spaces"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_object_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(String(1024), default="")
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpaceMember(Base):
    __tablename__ = "space_members"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    space_id: Mapped[str] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
