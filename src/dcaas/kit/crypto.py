"""Envelope encryption: a fresh data key per record, wrapped by a key-encryption key.

Records are sealed with AES-256-GCM under a random data key (DEK); the DEK is itself
sealed with the active key-encryption key (KEK) of a :class:`KeyProvider`. Both layers
bind the record's identity as associated data, so a ciphertext copied onto another row
fails to open. Rotating the KEK only re-wraps DEKs; record ciphertexts never change.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12
_KEY_BYTES = 32


class DecryptionError(Exception):
    """A sealed value could not be opened (wrong key, tampered, or moved to another record)."""


class KeyProvider(Protocol):
    """Holds key-encryption keys; wraps and unwraps data keys."""

    @property
    def active_key_id(self) -> str: ...

    def key_ids(self) -> list[str]: ...

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]: ...

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes: ...


def _aead_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _aead_open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext does not open with this key") from exc


def key_id_for(key: bytes) -> str:
    """A stable, non-secret name for a key: a prefix of its SHA-256."""
    return "k-" + hashlib.sha256(b"dcaas-kek-id:" + key).hexdigest()[:16]


class LocalKeyProvider:
    """KEKs held in process, loaded from a JSON key file or from configuration."""

    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise ValueError("the active key is not among the keys")
        self._keys = dict(keys)
        self._active = active

    @classmethod
    def from_secret(cls, encoded: str) -> LocalKeyProvider:
        key = _decode_key(encoded)
        kid = key_id_for(key)
        return cls({kid: key}, kid)

    @classmethod
    def from_file(cls, path: Path) -> LocalKeyProvider:
        """Load the key file, creating it (mode 0600, exclusively) when it does not exist."""
        if not path.exists():
            key = secrets.token_bytes(_KEY_BYTES)
            kid = key_id_for(key)
            doc = {"active": kid, "keys": {kid: base64.b64encode(key).decode()}}
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes starting together must not each write a different key.
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    json.dump(doc, fh)
        doc = json.loads(path.read_text())
        keys = {kid: _decode_key(v) for kid, v in doc["keys"].items()}
        return cls(keys, doc["active"])

    @property
    def active_key_id(self) -> str:
        return self._active

    def key_ids(self) -> list[str]:
        return list(self._keys)

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]:
        return self._active, _aead_seal(self._keys[self._active], dek, aad)

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(f"key {key_id} is not available")
        return _aead_open(key, wrapped, aad)


def _decode_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise ValueError("an encryption key must be base64") from exc
    if len(key) != _KEY_BYTES:
        raise ValueError("an encryption key must be 32 bytes, base64-encoded")
    return key


@dataclass(frozen=True)
class Sealed:
    """What is stored: the record's ciphertext, its wrapped data key, and the KEK's id."""

    ciphertext: bytes
    wrapped_key: bytes
    key_id: str


class Envelope:
    """Seals and opens records with per-record data keys."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    def seal(self, plaintext: bytes, *, aad: bytes) -> Sealed:
        dek = AESGCM.generate_key(bit_length=256)
        ciphertext = _aead_seal(dek, plaintext, aad)
        key_id, wrapped = self.provider.wrap(dek, aad=aad)
        return Sealed(ciphertext=ciphertext, wrapped_key=wrapped, key_id=key_id)

    def open(self, sealed: Sealed, *, aad: bytes) -> bytes:
        dek = self.provider.unwrap(sealed.key_id, sealed.wrapped_key, aad=aad)
        return _aead_open(dek, sealed.ciphertext, aad)

    def seal_json(self, value: Any, *, aad: bytes) -> Sealed:
        return self.seal(json.dumps(value, separators=(",", ":")).encode(), aad=aad)

    def open_json(self, sealed: Sealed, *, aad: bytes) -> Any:
        return json.loads(self.open(sealed, aad=aad))
