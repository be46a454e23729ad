from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class Credential(Base):
    """A sealed credential. The plaintext exists only in memory, while a request needs it."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("tenant_id", "owner_id", "name"),
        Index("ix_credentials_tenant_created", "tenant_id", "created", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    data_source_id: Mapped[str] = mapped_column(String(128))
    q_type: Mapped[str] = mapped_column(String(128))
    separated: Mapped[bool] = mapped_column(Boolean, default=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
