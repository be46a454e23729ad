"""Webhooks (``/api/v1/webhooks``): subscriptions of a URL to event types, for tenant admins."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from dcaas_client.models.common import ApiModel, PageLinks, RequestModel


class WebhookCreate(RequestModel):
    """A new webhook (also the body of a full update). ``secret`` signs each delivery
    (``Qlik-Signature``: hex HMAC-SHA256 of the body); it and ``encryptedHeaders`` are sealed
    by the server and never shown back."""

    name: str
    url: str
    eventTypes: list[str]
    description: str | None = None
    headers: dict[str, str] | None = None
    encryptedHeaders: dict[str, str] | None = None
    secret: SecretStr | None = None
    enabled: bool | None = None
    enableCloudEventDelivery: bool | None = None

    def body(self) -> dict[str, Any]:
        out = super().body()
        if self.secret is not None:
            out["secret"] = self.secret.get_secret_value()
        return out


class Webhook(ApiModel):
    id: str
    name: str
    url: str
    eventTypes: list[str] = Field(default_factory=list)
    description: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    encryptedHeaders: list[str] = Field(default_factory=list)
    secretKeyAdded: bool = False
    enabled: bool = True
    enableCloudEventDelivery: bool = False
    disabledReason: str | None = None
    disabledReasonCode: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None


class Webhooks(ApiModel):
    data: list[Webhook]
    links: PageLinks | None = None


class EventType(ApiModel):
    name: str
    title: str | None = None
    category: str | None = None


class EventTypes(ApiModel):
    data: list[EventType]


class DeliveryAttempt(ApiModel):
    number: int
    attemptedAt: str
    outcome: str
    statusCode: int | None = None
    responseBody: str | None = None
    error: str | None = None


class Delivery(ApiModel):
    id: str
    webhookId: str
    eventId: str
    eventType: str
    status: str
    statusMessage: str | None = None
    triggeredAt: str
    attemptCount: int = 0
    attempts: list[DeliveryAttempt] | None = None


class Deliveries(ApiModel):
    data: list[Delivery]
    links: PageLinks | None = None
