from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dcaas.api_key.models import ApiKey
from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow
from dcaas.tenant.models import Tenant, User


class ConsoleSession(Base):
    """A signed-in browser: only a SHA-256 of its cookie's token is stored."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Signed in with this API key: revoking or deleting the key ends the session too.
    api_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=True, index=True
    )
    via: Mapped[str] = mapped_column(String(16), doc="api_key or oidc")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # For joins in one query (never loaded lazily: the repository selects them).
    tenant: Mapped[Tenant] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
    api_key: Mapped[ApiKey | None] = relationship(lazy="raise")
