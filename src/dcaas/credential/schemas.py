from __future__ import annotations

from pydantic import BaseModel, Field

from dcaas.kit.schemas import Link, Meta, StrictModel, TopLevelLinks


class CredentialOut(BaseModel):
    qID: str
    qName: str
    qType: str
    qConnCount: int
    datasourceID: str
    qSeparated: int
    user: str
    created: str
    createdAt: str  # the /api/connectivity types' name for ``created``
    updated: str
    links: Link


class Credentials(BaseModel):
    data: list[CredentialOut]
    meta: Meta
    links: TopLevelLinks


class CredentialCreate(StrictModel):
    qName: str = Field(min_length=1, max_length=256)
    qType: str = Field(min_length=1, max_length=128)
    qUsername: str = Field(max_length=65_536)
    qPassword: str = Field(max_length=65_536)
    qID: str | None = None
    connectionId: str | None = None
    datasourceID: str | None = None


class ActionFilterOrphanRequest(StrictModel):
    qType: str | None = None
    datasourceID: str | None = None
    qSeparated: int | None = Field(default=None, ge=0, le=1)


class OrphanCredentialResItem(BaseModel):
    qID: str
    qName: str
    qType: str
    datasourceID: str
    user: str
    tenant: str
    created: str
    createdAt: str  # the /api/connectivity types' name for ``created``
    updated: str


class ActionFilterOrphanResponse(BaseModel):
    data: list[OrphanCredentialResItem]
    count: int
