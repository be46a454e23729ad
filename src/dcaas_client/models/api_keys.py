"""API keys: the caller's own (all of the tenant's, for admins)."""

from __future__ import annotations

from datetime import datetime

from pydantic import SecretStr

from dcaas_client.models.common import ApiModel, RequestModel


class ApiKeyCreate(RequestModel):
    description: str | None = None
    expiry: datetime | None = None
    scopes: list[str] | None = None  # ["engine"]: an engine key (tenant admins only)


class ApiKey(ApiModel):
    id: str
    description: str = ""
    sub: str | None = None
    tenantId: str | None = None
    status: str | None = None
    created: str | None = None
    expiry: str | None = None
    scopes: list[str] | None = None


class ApiKeyCreated(ApiKey):
    """The token is in this answer only; store it now."""

    token: SecretStr


class ApiKeys(ApiModel):
    data: list[ApiKey]
