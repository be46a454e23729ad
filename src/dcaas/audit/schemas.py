"""The audit API's shapes: Qlik's ``audits`` (``@qlik/api``'s GetByIDResult, GetResult,
GetObjectsResult, GetSettingsResult), with dcaas's own fields added beside Qlik's."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Href(BaseModel):
    href: str


class ListLinks(BaseModel):
    self: Href
    next: Href | None = None
    prev: Href | None = None


class ItemLinks(BaseModel):
    self: Href


class Actor(BaseModel):
    sub: str = Field(description="The API key the caller used")
    subType: str = "api-key"


class Extensions(BaseModel):
    actor: Actor | None = None
    spaceId: str | None = None
    topLevelResourceId: str | None = None
    updates: dict[str, Any] | None = Field(default=None, description="`changed`: names only")


class AuditItem(BaseModel):
    id: str
    eventId: str
    eventType: str
    eventTypeVersion: str = "1.0"
    eventTime: str
    source: str
    tenantId: str
    userId: str | None = None
    contentType: str = "application/json"
    data: dict[str, Any] = Field(description="Names and outcomes, never a secret value")
    extensions: Extensions
    links: ItemLinks
    # dcaas's own, beside Qlik's fields
    objectType: str
    objectId: str | None = None
    outcome: str
    apiKeyId: str | None = None
    clientIp: str | None = None
    userAgent: str | None = None
    requestId: str | None = None


class AuditList(BaseModel):
    data: list[AuditItem]
    links: ListLinks


class Names(BaseModel):
    data: list[str]
    links: ListLinks


class SettingsData(BaseModel):
    ArchiveEnabled: bool = False
    EventTTL: int = Field(description="Seconds an event is kept (DCAAS_AUDIT_RETENTION_DAYS)")


class AuditSettings(BaseModel):
    data: SettingsData
