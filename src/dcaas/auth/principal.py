from __future__ import annotations

from dataclasses import dataclass, field

from dcaas.errors import Code, Forbidden

ENGINE = "engine"  # the grant of the engine endpoints (the only place a secret leaves dcaas)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every query is scoped by its ``tenant_id``."""

    tenant_id: str
    user_id: str
    subject: str
    is_admin: bool
    via: str  # "api_key" or "jwt"
    key_id: str | None = None  # the API key the caller presented (or signed in with)
    # Grants beyond the user's rights: ENGINE from an engine API key or a JWT's engine scope.
    grants: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_engine(self) -> bool:
        return ENGINE in self.grants

    def require_admin(self, what: str) -> None:
        """403 DCAAS-5011 unless the caller is a tenant admin (``what`` names the operation)."""
        if not self.is_admin:
            raise Forbidden(f"{what} needs the tenant admin role", code=Code.ADMIN_REQUIRED)
