from __future__ import annotations

from dataclasses import dataclass

from dcaas.errors import Code, Forbidden


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every query is scoped by its ``tenant_id``."""

    tenant_id: str
    user_id: str
    subject: str
    is_admin: bool
    via: str  # "api_key" or "jwt"

    def require_admin(self, what: str) -> None:
        """403 DCAAS-5011 unless the caller is a tenant admin (``what`` names the operation)."""
        if not self.is_admin:
            raise Forbidden(f"{what} needs the tenant admin role", code=Code.ADMIN_REQUIRED)
