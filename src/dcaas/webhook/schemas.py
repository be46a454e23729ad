"""Bodies and answers of ``/api/v1/webhooks``, in the ``@qlik/api`` ``webhooks`` shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_HEADER_BYTES = 2048  # Qlik's limit, for plain and for encrypted headers each


class WebhookIn(BaseModel):
    """``WebhookBase`` / ``WebhookPost``. Read-only members (a GET answer sent back as a PUT
    body) are accepted and ignored; anything else unknown is refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=256)
    url: str = Field(min_length=1, max_length=2048)
    description: str = Field(default="", max_length=1024)
    eventTypes: list[str] = Field(default_factory=list, max_length=100)
    headers: dict[str, str] = Field(default_factory=dict)
    encryptedHeaders: dict[str, str] | list[str] | None = None
    secret: str | None = Field(default=None, max_length=1024)
    enabled: bool = True
    enableCloudEventDelivery: bool = False
    checkCertificateRevocation: bool = False
    filter: str | None = Field(default=None, max_length=1024)
    level: Literal["tenant", "user"] = "tenant"
    ownerId: str | None = Field(default=None, max_length=64)
    origin: Literal["api", "automations", "management-console"] | None = None
    # read-only in Qlik's schema: ignored when sent
    id: Any = None
    createdAt: Any = None
    updatedAt: Any = None
    createdByUserId: Any = None
    updatedByUserId: Any = None
    disabledReason: Any = None
    disabledReasonCode: Any = None
    secretKeyAdded: Any = None


class WebhookOut(BaseModel):
    id: str
    name: str
    description: str
    url: str
    eventTypes: list[str]
    headers: dict[str, str]
    encryptedHeaders: list[str]
    secretKeyAdded: bool
    enabled: bool
    enableCloudEventDelivery: bool
    checkCertificateRevocation: bool
    filter: str | None = None
    level: str
    origin: str
    ownerId: str | None = None
    disabledReason: str | None = None
    disabledReasonCode: str | None = None
    createdAt: str
    updatedAt: str
    createdByUserId: str
    updatedByUserId: str


class Link(BaseModel):
    href: str


class Links(BaseModel):
    self: Link
    next: Link | None = None
    prev: Link | None = None


class WebhookList(BaseModel):
    data: list[WebhookOut]
    links: Links


class EventTypeOut(BaseModel):
    name: str
    title: str
    description: str
    category: str
    levels: list[str]


class EventTypes(BaseModel):
    data: list[EventTypeOut]


class DeliveryRequest(BaseModel):
    url: str | None = None
    headers: dict[str, str] | None = None
    body: Any = None


class DeliveryResponse(BaseModel):
    statusCode: int | None = None
    headers: dict[str, str] | None = None
    body: str | None = None


class AttemptOut(BaseModel):
    number: int
    attemptedAt: str
    outcome: str
    statusCode: int | None = None
    responseBody: str | None = None
    error: str | None = None
    durationMs: int


class DeliveryOut(BaseModel):
    id: str
    webhookId: str
    eventId: str
    eventType: str
    status: str
    statusMessage: str | None = None
    triggeredAt: str
    attemptCount: int
    nextAttemptAt: str | None = None
    request: DeliveryRequest | None = None
    response: DeliveryResponse | None = None
    attempts: list[AttemptOut] | None = None


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
    links: Links
