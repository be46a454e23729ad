from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, JsonType, UTCDateTime
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "space_id", "name"),
        Index("ix_connections_tenant_created", "tenant_id", "created", "id"),
        Index("ix_connections_tenant_updated", "tenant_id", "updated", "id"),
        Index("ix_connections_tenant_name", "tenant_id", "name", "id"),
        Index("ix_connections_tenant_id", "tenant_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_uuid)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    space_id: Mapped[str] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    data_source_id: Mapped[str] = mapped_column(String(128), index=True)
    q_type: Mapped[str] = mapped_column(String(128))
    connect_statement: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    log_on: Mapped[int] = mapped_column(Integer, default=0)
    architecture: Mapped[int] = mapped_column(Integer, default=0)
    separate_credentials: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # qConnectionSecret, sealed like a credential (its own data key).
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    secret_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    secret_key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # OAuth sources only: "ok" or "needs-reauthentication" (a refresh was refused).
    auth_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class PersonalCredential(Base):
    """Which credential one user brings to a connection with separated credentials.

    A separated connection stores no shared secret: each user who uses it links a credential
    of their own here (created by name, or picked by id). The link goes with the connection
    or the user; the credential record itself survives both (Qlik's rule), so that
    ``filter-orphan`` finds it. Written only by :meth:`ConnectionService._establish`, after
    the secret boundary decided.
    """

    __tablename__ = "personal_credentials"
    __table_args__ = (Index("ix_personal_credentials_credential", "credential_id"),)

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
