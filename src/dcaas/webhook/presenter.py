"""Rows as the ``@qlik/api`` ``webhooks`` shapes (no secret, ever: names only)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from dcaas.kit.hosts import base_url
from dcaas.kit.time import iso
from dcaas.webhook.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryRequest,
    DeliveryResponse,
    Link,
    Links,
    WebhookOut,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import Request

    from dcaas.config import Settings
    from dcaas.kit.paging import Page
    from dcaas.webhook.models import Attempt, Delivery, Webhook


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        name=hook.name,
        description=hook.description,
        url=hook.url,
        eventTypes=list(hook.event_types),
        headers=dict(hook.headers),
        encryptedHeaders=list(hook.encrypted_header_names),
        secretKeyAdded=hook.secret_added,
        enabled=hook.enabled,
        enableCloudEventDelivery=hook.cloud_events,
        checkCertificateRevocation=hook.check_certificate_revocation,
        filter=hook.filter,
        level=hook.level,
        origin=hook.origin,
        disabledReason=hook.disabled_reason,
        disabledReasonCode=hook.disabled_reason_code,
        createdAt=iso(hook.created_at),
        updatedAt=iso(hook.updated_at),
        createdByUserId=hook.created_by_user_id,
        updatedByUserId=hook.updated_by_user_id,
    )


def _body(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def delivery_out(d: Delivery, attempts: Sequence[Attempt] | None = None) -> DeliveryOut:
    tried = d.url is not None
    return DeliveryOut(
        id=d.id,
        webhookId=d.webhook_id,
        eventId=d.event_id,
        eventType=d.event_type,
        status=d.status,
        statusMessage=d.status_message,
        triggeredAt=iso(d.triggered_at),
        attemptCount=d.attempts,
        nextAttemptAt=iso(d.next_attempt_at) if d.status == "pending" else None,
        request=DeliveryRequest(url=d.url, headers=d.request_headers, body=_body(d.request_body))
        if tried
        else None,
        response=DeliveryResponse(
            statusCode=d.response_status, headers=d.response_headers, body=d.response_body
        )
        if tried
        else None,
        attempts=None
        if attempts is None
        else [
            AttemptOut(
                number=a.number,
                attemptedAt=iso(a.attempted_at),
                outcome=a.outcome,
                statusCode=a.status_code,
                responseBody=a.response_body,
                error=a.error,
                durationMs=a.duration_ms,
            )
            for a in attempts
        ],
    )


def links(request: Request, settings: Settings, page: Page[Any]) -> Links:
    """``self``, and ``next``/``prev`` with Qlik's cursor parameters of the same names."""
    url = base_url(request, settings) + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("next", "prev")]

    def href(extra: list[tuple[str, str]]) -> Link:
        query = urlencode(kept + extra)
        return Link(href=f"{url}?{query}" if query else url)

    here = [(k, v) for k, v in request.query_params.multi_items() if k in ("next", "prev")]
    return Links(
        self=href(here),
        next=href([("next", page.next.encode())]) if page.next else None,
        prev=href([("prev", page.prev.encode())]) if page.prev else None,
    )
