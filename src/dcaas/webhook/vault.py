"""A webhook's ``secret`` and ``encryptedHeaders``, sealed together like every other secret
(envelope encryption bound to the tenant and the webhook's id; re-wrapped by key rotation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.credential.vault import record_aad
from dcaas.kit.crypto import Sealed

if TYPE_CHECKING:
    from dcaas.kit.crypto import Envelope
    from dcaas.webhook.models import Webhook

KIND = "webhook"


def seal_into(envelope: Envelope, hook: Webhook, payload: dict[str, Any]) -> None:
    if not payload.get("secret") and not payload.get("encryptedHeaders"):
        hook.sealed = hook.sealed_wrapped_key = hook.sealed_key_id = None
        return
    sealed = envelope.seal_json(payload, aad=record_aad(KIND, hook.tenant_id, hook.id))
    hook.sealed = sealed.ciphertext
    hook.sealed_wrapped_key = sealed.wrapped_key
    hook.sealed_key_id = sealed.key_id


def open_sealed(envelope: Envelope, hook: Webhook) -> dict[str, Any]:
    """``{"secret": ..., "encryptedHeaders": {...}}`` (empty when nothing is sealed)."""
    if hook.sealed is None or hook.sealed_wrapped_key is None or hook.sealed_key_id is None:
        return {}
    sealed = Sealed(hook.sealed, hook.sealed_wrapped_key, hook.sealed_key_id)
    return dict(envelope.open_json(sealed, aad=record_aad(KIND, hook.tenant_id, hook.id)))
