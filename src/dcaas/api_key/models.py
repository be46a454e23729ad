from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(256), default="")
    lookup: Mapped[str] = mapped_column(String(32), unique=True, doc="public part of the key")
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Space-separated grants beyond the user's rights ("engine": the engine endpoints).
    scopes: Mapped[str] = mapped_column(String(256), default="", server_default="")

    @property
    def grants(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
