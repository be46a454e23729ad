from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dcaas.kit.schemas import StrictModel


class ApiKeyCreate(StrictModel):
    description: str = Field(default="", max_length=256)
    expiry: datetime | None = Field(default=None, description="RFC 3339; none: never expires")
    scopes: list[Literal["engine"]] = Field(
        default_factory=list,
        max_length=1,
        description="'engine': the key may call the engine endpoints, which hand out the "
        "secrets of the connections its user may use (tenant admins only)",
    )


class ApiKeyOut(BaseModel):
    id: str
    description: str
    sub: str
    tenantId: str
    status: str
    created: str
    expiry: str | None = None
    scopes: list[str] = Field(default_factory=list)


class ApiKeyCreated(ApiKeyOut):
    token: str = Field(description="Shown once; only a hash is stored")


class ApiKeys(BaseModel):
    data: list[ApiKeyOut]
