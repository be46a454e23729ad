from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class OAuthAuthorization(Base):
    """A pending authorization request: single use, short-lived, bound to a tenant and a user.

    The PKCE code verifier and the draft connection (which may hold a client secret) are
    sealed like a credential; ``state`` is kept only as its SHA-256.
    """

    __tablename__ = "oauth_authorizations"
    __table_args__ = (
        Index("ix_oauth_authorizations_pending", "tenant_id", "user_id", "data_source_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    data_source_id: Mapped[str] = mapped_column(String(128))
    # Set when re-authorizing an existing connection; None when creating one.
    connection_id: Mapped[str | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), nullable=True, index=True
    )
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefreshClaim(Base):
    """A token refresh in progress: while a process refreshes a credential's access token
    (calling the provider, holding no transaction), others wait for its result instead of
    spending the same refresh token. A claim older than the stale limit is taken over."""

    __tablename__ = "oauth_refresh_claims"

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), primary_key=True
    )
    claim: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
