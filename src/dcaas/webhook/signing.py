"""What a delivery sends: the body in Qlik's envelope (or CloudEvents), and its signature.

The body is built from the stored event alone, so every attempt of a delivery (and a resend)
sends the same bytes under the same event id. With a secret, ``Qlik-Signature`` carries the
lower-case hex HMAC-SHA256 of the exact body bytes under the secret (as Qlik Cloud signs).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from dcaas import __version__

SIGNATURE_HEADER = "Qlik-Signature"
SOURCE = "com.qlik/dcaas"
OMITTED = "**OMITTED**"


def _qlik(event: dict[str, Any]) -> dict[str, Any]:
    """Qlik's webhook envelope (CloudEvents 0.1 field names, as Qlik Cloud sends)."""
    return {
        "cloudEventsVersion": "0.1",
        "source": SOURCE,
        "contentType": "application/json",
        "eventId": event["id"],
        "eventTime": event["time"],
        "eventTypeVersion": "1.0.0",
        "eventType": event["type"],
        "extensions": {
            "tenantId": event["tenantId"],
            "userId": event.get("actorId"),
            "topLevelResourceId": event.get("objectId"),
            "objectType": event.get("objectType"),
            "outcome": event.get("outcome"),
        },
        "data": event.get("data") or {},
    }


def _cloud_event(event: dict[str, Any]) -> dict[str, Any]:
    """CloudEvents 1.0, structured mode (``application/cloudevents+json``)."""
    return {
        "specversion": "1.0",
        "id": event["id"],
        "source": SOURCE,
        "type": event["type"],
        "time": event["time"],
        "datacontenttype": "application/json",
        "subject": event.get("objectId"),
        "tenantid": event["tenantId"],
        "userid": event.get("actorId"),
        "toplevelresourceid": event.get("objectId"),
        "data": {**(event.get("data") or {}), "outcome": event.get("outcome")},
    }


def body_of(event: dict[str, Any], *, cloud_events: bool) -> tuple[bytes, str]:
    """The request body and its content type."""
    doc = _cloud_event(event) if cloud_events else _qlik(event)
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    kind = "application/cloudevents+json" if cloud_events else "application/json"
    return raw, kind


def sign(secret: str, body: bytes) -> str:
    """The ``Qlik-Signature`` value: hex HMAC-SHA256 of the body under the secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_headers(
    *,
    content_type: str,
    body: bytes,
    plain: dict[str, str],
    sealed: dict[str, Any],
) -> tuple[dict[str, str], dict[str, str]]:
    """The headers to send, and the same as recorded (encrypted headers' values omitted)."""
    encrypted: dict[str, str] = dict(sealed.get("encryptedHeaders") or {})
    sent = {**plain, **encrypted}
    sent["Content-Type"] = content_type
    sent["User-Agent"] = f"dcaas-webhooks/{__version__}"
    secret = sealed.get("secret")
    if secret:
        sent[SIGNATURE_HEADER] = sign(str(secret), body)
    shown = {k: (OMITTED if k in encrypted else v) for k, v in sent.items()}
    return sent, shown


def secrets_of(sealed: dict[str, Any]) -> tuple[str, ...]:
    """The sealed values of a webhook (its secret, its encrypted headers' values)."""
    values = [str(sealed.get("secret") or "")]
    values += [str(v) for v in dict(sealed.get("encryptedHeaders") or {}).values()]
    return tuple(v for v in values if v)


def scrub(text: str | None, secrets: tuple[str, ...]) -> str | None:
    """``text`` with every occurrence of a secret replaced by ``**OMITTED**``."""
    if text is None:
        return None
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, OMITTED)
    return text
