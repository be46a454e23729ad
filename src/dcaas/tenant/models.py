from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dcaas.kit.db import Base, UTCDateTime
from dcaas.kit.ids import new_subject_id
from dcaas.kit.time import utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_subject_id)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The namespace of users dcaas makes itself (bootstrap, ``dcaas apikey create``): they
# authenticate with API keys. JWT subjects live in ``jwt:<iss claim>`` (see auth.service).
LOCAL_NAMESPACE = ""
# Users provisioned from JWTs before namespaces existed (migration 0004): the first token
# with the same subject adopts the row into its own namespace.
LEGACY_JWT_NAMESPACE = "jwt?"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "namespace", "subject"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_subject_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    namespace: Mapped[str] = mapped_column(
        String(300),
        default=LOCAL_NAMESPACE,
        server_default=LOCAL_NAMESPACE,
        doc="'' for dcaas's own users (API keys); 'jwt:<issuer>' for JWT subjects",
    )
    subject: Mapped[str] = mapped_column(String(256), doc="the name or the JWT subject")
    name: Mapped[str] = mapped_column(
        String(256),
        default="",
        server_default="",
        doc="display name (Qlik's `name`): the JWT's name claim, `apikey create --name`, "
        "else the subject",
    )
    email: Mapped[str | None] = mapped_column(String(320), default=None, doc="e-mail, when known")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
