from __future__ import annotations

from dataclasses import dataclass, field

ENGINE = "engine"  # the grant of the engine endpoints (the only place a secret leaves dcaas)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every query is scoped by its ``tenant_id``."""

    tenant_id: str
    user_id: str
    subject: str
    is_admin: bool
    via: str  # "api_key" or "jwt"
    # Grants beyond the user's rights: ENGINE from an engine API key or a JWT's engine scope.
    grants: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_engine(self) -> bool:
        return ENGINE in self.grants
