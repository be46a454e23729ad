"""/api/v1/webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas_client._call import Call, model, nothing, query, seg
from dcaas_client.models.webhooks import Deliveries, Delivery, EventTypes, Webhook, Webhooks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dcaas_client.models.connections import PatchOp
    from dcaas_client.models.webhooks import WebhookCreate

WEBHOOKS = "/api/v1/webhooks"


def webhooks_list(limit: int | None) -> Call[Webhooks]:
    return Call("GET", WEBHOOKS, model(Webhooks), params=query(limit=limit))


def webhook_create(body: WebhookCreate) -> Call[Webhook]:
    return Call("POST", WEBHOOKS, model(Webhook), json=body.body())


def webhook_get(webhook_id: str) -> Call[Webhook]:
    return Call("GET", f"{WEBHOOKS}/{seg(webhook_id)}", model(Webhook))


def webhook_update(webhook_id: str, body: WebhookCreate) -> Call[Webhook]:
    return Call("PUT", f"{WEBHOOKS}/{seg(webhook_id)}", model(Webhook), json=body.body())


def webhook_patch(webhook_id: str, ops: Sequence[PatchOp]) -> Call[None]:
    body = [op.body() for op in ops]
    return Call("PATCH", f"{WEBHOOKS}/{seg(webhook_id)}", nothing, json=body)


def webhook_delete(webhook_id: str) -> Call[None]:
    return Call("DELETE", f"{WEBHOOKS}/{seg(webhook_id)}", nothing)


def event_types() -> Call[EventTypes]:
    return Call("GET", f"{WEBHOOKS}/event-types", model(EventTypes))


def deliveries(webhook_id: str, limit: int | None, status: str | None) -> Call[Deliveries]:
    params = query(limit=limit, status=status)
    return Call("GET", f"{WEBHOOKS}/{seg(webhook_id)}/deliveries", model(Deliveries), params=params)


def delivery(webhook_id: str, delivery_id: str) -> Call[Delivery]:
    path = f"{WEBHOOKS}/{seg(webhook_id)}/deliveries/{seg(delivery_id)}"
    return Call("GET", path, model(Delivery))


def resend(webhook_id: str, delivery_id: str) -> Call[Delivery]:
    path = f"{WEBHOOKS}/{seg(webhook_id)}/deliveries/{seg(delivery_id)}/actions/resend"
    return Call("POST", path, model(Delivery))
