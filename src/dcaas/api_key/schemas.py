from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dcaas.kit.schemas import StrictModel


class ApiKeyCreate(StrictModel):
    description: str = Field(default="", max_length=256)
    expiry: datetime | None = Field(default=None, description="RFC 3339; none: never expires")


class ApiKeyOut(BaseModel):
    id: str
    description: str
    sub: str
    tenantId: str
    status: str
    created: str
    expiry: str | None = None


class ApiKeyCreated(ApiKeyOut):
    token: str = Field(description="Shown once; only a hash is stored")


class ApiKeys(BaseModel):
    data: list[ApiKeyOut]
