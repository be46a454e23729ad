"""Sealing and opening credential payloads: the only place plaintext secrets exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.errors import Code, InternalError
from dcaas.kit.crypto import DecryptionError, Envelope, Sealed

if TYPE_CHECKING:
    from dcaas.credential.models import Credential


def _aad(tenant_id: str, record_id: str, kind: str) -> bytes:
    return f"dcaas:{kind}:{tenant_id}:{record_id}".encode()


def credential_aad(credential: Credential) -> bytes:
    """The associated data a credential's payload is sealed with (its tenant and id)."""
    return _aad(credential.tenant_id, credential.id, "credential")


def seal_into(envelope: Envelope, credential: Credential, payload: dict[str, Any]) -> None:
    sealed = envelope.seal_json(payload, aad=credential_aad(credential))
    credential.ciphertext = sealed.ciphertext
    credential.wrapped_key = sealed.wrapped_key
    credential.key_id = sealed.key_id


def open_credential(envelope: Envelope, credential: Credential) -> dict[str, Any]:
    sealed = Sealed(credential.ciphertext, credential.wrapped_key, credential.key_id)
    try:
        payload = envelope.open_json(
            sealed, aad=_aad(credential.tenant_id, credential.id, "credential")
        )
    except DecryptionError as exc:
        raise InternalError(
            "credential decryption failed", code=Code.CREDENTIAL_DECRYPTION_FAILED
        ) from exc
    return dict(payload)


def seal_secret(envelope: Envelope, tenant_id: str, connection_id: str, value: str) -> Sealed:
    return envelope.seal_json(value, aad=_aad(tenant_id, connection_id, "connection-secret"))


CREDENTIAL = "credential"
CONNECTION_SECRET = "connection-secret"  # noqa: S105 - a record kind, not a password


def record_aad(kind: str, tenant_id: str, record_id: str) -> bytes:
    """The associated data a sealed record of ``kind`` is bound to (for re-wrapping its key)."""
    return _aad(tenant_id, record_id, kind)
