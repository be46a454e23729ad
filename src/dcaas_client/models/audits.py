"""Audit events (``/api/v1/audits``, in the shape of Qlik's audits API)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dcaas_client.models.common import ApiModel, PageLinks


class AuditEvent(ApiModel):
    """Who did what to which object; ``data`` holds names and outcomes, never a secret."""

    id: str
    eventType: str
    eventTime: str
    source: str | None = None
    tenantId: str | None = None
    userId: str | None = None
    objectType: str | None = None
    objectId: str | None = None
    outcome: str | None = None
    apiKeyId: str | None = None
    clientIp: str | None = None
    requestId: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class AuditEvents(ApiModel):
    data: list[AuditEvent]
    links: PageLinks = Field(default_factory=PageLinks)


class AuditNames(ApiModel):
    data: list[str]
