from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every query is scoped by its ``tenant_id``."""

    tenant_id: str
    user_id: str
    subject: str
    is_admin: bool
    via: str  # "api_key" or "jwt"
    key_id: str | None = None  # the API key the caller presented (or signed in with)
