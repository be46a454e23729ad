"""Envelope encryption: a fresh data key per record, wrapped by a key-encryption key.

Records are sealed with AES-256-GCM under a random data key (DEK); the DEK is itself
sealed with the active key-encryption key (KEK) of a :class:`KeyProvider`. Both layers
bind the record's identity as associated data, so a ciphertext copied onto another row
fails to open. Rotating the KEK only re-wraps DEKs; record ciphertexts never change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dcaas.kit.keyfile import KeyAdminError, KeyFile, KeyRing

if TYPE_CHECKING:
    from pathlib import Path

_NONCE = 12
_KEY_BYTES = 32


class DecryptionError(Exception):
    """A sealed value could not be opened (wrong key, tampered, or moved to another record)."""


class KeyProviderError(Exception):
    """The key provider cannot be reached or refused a request (not a wrong ciphertext)."""


class KeyProvider(Protocol):
    """Holds key-encryption keys; wraps and unwraps data keys.

    ``check`` raises :class:`KeyProviderError` when the provider cannot serve (for health checks).
    """

    @property
    def active_key_id(self) -> str: ...

    def key_ids(self) -> list[str]: ...

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]: ...

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes: ...

    def rewrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> tuple[str, bytes]: ...

    def holds(self, key_id: str) -> bool:
        """Whether ``key_id`` still opens data keys (not retired), asked without a network call."""
        ...

    async def check(self) -> None: ...


@runtime_checkable
class KeyAdmin(Protocol):
    """Operator side of a provider: the ring on record, adding an active key, retiring one."""

    def ring(self) -> KeyRing: ...

    def add_key(self, spec: str | None) -> str: ...

    def retire(self, key_id: str) -> None: ...


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
    """KEKs held in process, loaded from a key file (rotatable) or from configuration (fixed).

    With a key file, the provider re-reads it when the file changes (one ``stat`` per wrap or
    unwrap): new records use a key another process (``dcaas keys rotate``) made active, records
    re-wrapped under it open, and a retired key stops opening anything, all without a restart.
    """

    def __init__(
        self,
        keys: dict[str, bytes],
        active: str,
        *,
        retired: frozenset[str] = frozenset(),
        source: KeyFile | None = None,
    ) -> None:
        if active not in keys:
            raise ValueError("the active key is not among the keys")
        self._state = (dict(keys), active, retired)
        self._source = source

    @classmethod
    def from_secret(cls, encoded: str) -> LocalKeyProvider:
        key = _decode_key(encoded)
        kid = key_id_for(key)
        return cls({kid: key}, kid)

    @classmethod
    def from_file(cls, path: Path) -> LocalKeyProvider:
        """Load the key file, creating it (mode 0600) when it does not exist."""
        source = KeyFile(path)
        if not source.exists():
            key = secrets.token_bytes(_KEY_BYTES)
            kid = key_id_for(key)
            source.create(KeyRing(active=kid, keys={kid: base64.b64encode(key).decode()}))
        ring = source.read()
        return cls(_decode_all(ring), ring.active, retired=frozenset(ring.retired), source=source)

    def _load(self) -> None:
        if self._source is not None:
            ring = self._source.read()
            self._state = (_decode_all(ring), ring.active, frozenset(ring.retired))

    def _refresh(self) -> None:
        if self._source is not None and self._source.changed():
            self._load()

    @property
    def active_key_id(self) -> str:
        self._refresh()
        return self._state[1]

    def key_ids(self) -> list[str]:
        return list(self._state[0])

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]:
        self._refresh()
        keys, active, _ = self._state
        return active, _aead_seal(keys[active], dek, aad)

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes:
        self._refresh()  # a stat: new keys open and retired ones stop, without a restart
        keys, _, retired = self._state
        key = keys.get(key_id)
        if key is None:
            state = "retired" if key_id in retired else "not available"
            raise DecryptionError(f"key {key_id} is {state}")
        return _aead_open(key, wrapped, aad)

    def rewrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> tuple[str, bytes]:
        return self.wrap(self.unwrap(key_id, wrapped, aad=aad), aad=aad)

    def holds(self, key_id: str) -> bool:
        self._refresh()
        return key_id in self._state[0]

    async def check(self) -> None:
        try:
            self._refresh()
        except (OSError, ValueError) as exc:
            raise KeyProviderError("the key file cannot be read") from exc
        keys, active, _ = self._state
        if active not in keys:
            raise KeyProviderError("the active key is missing")

    # -- KeyAdmin ---------------------------------------------------------------------------
    def _file(self) -> KeyFile:
        if self._source is None:
            raise KeyAdminError(
                "the key comes from DCAAS_ENCRYPTION_KEY and cannot be rotated here; "
                "unset it to use the key file"
            )
        return self._source

    def ring(self) -> KeyRing:
        ring = self._file().read()
        self._load()
        return ring

    def add_key(self, spec: str | None) -> str:
        """Add a fresh random key and make it active; ``spec`` must be None (keys are made here)."""
        if spec is not None:
            raise KeyAdminError("the local provider makes its own keys; give no key id")
        key = secrets.token_bytes(_KEY_BYTES)
        kid = key_id_for(key)
        with self._file().update() as ring:
            ring.keys[kid] = base64.b64encode(key).decode()
            ring.active = kid
        self._load()
        return kid

    def retire(self, key_id: str) -> None:
        """Forget a key's material (irreversible); the id stays listed as retired."""
        with self._file().update() as ring:
            ring.retire(key_id)
        self._load()


def _decode_all(ring: KeyRing) -> dict[str, bytes]:
    return {kid: _decode_key(value) for kid, value in ring.keys.items()}


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


@dataclass(frozen=True)
class DataKey:
    """A record's data key, wrapped ahead of time: sealing with it later calls no provider.

    For work that must seal inside a transaction (an Idempotency-Key answer is stored with
    the work it answers): the key provider, which may be a remote KMS, is called before.
    """

    dek: bytes = field(repr=False)
    key_id: str
    wrapped: bytes
    aad: bytes


class DataKeyCache:
    """Unwrapped data keys, kept in memory for ``seconds`` so a hot record (a connection an
    engine asks for at every reload) does not cost a key-service call per use.

    An entry is found by the key's id, its wrapped bytes and the record's identity (``aad``),
    so a ciphertext moved to another record never meets a cached key. Before a cached key is
    given out, the provider is asked (a ``stat`` of its ring file, no network) whether the
    key-encryption key still opens anything: a key retired here or by another process
    (``dcaas keys retire``) ends its entries at once. At most ``entries`` keys are kept
    (least recently used go first).
    """

    def __init__(self, seconds: float, entries: int = 4096) -> None:
        self.seconds = seconds
        self.entries = entries
        self._keys: OrderedDict[tuple[str, bytes, bytes], tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, provider: KeyProvider, key_id: str, wrapped: bytes, aad: bytes) -> bytes | None:
        with self._lock:
            hit = self._keys.get((key_id, wrapped, aad))
        if hit is None or hit[0] <= time.monotonic():
            return None
        if not provider.holds(key_id):
            self.forget(key_id)
            return None
        return hit[1]

    def put(self, key_id: str, wrapped: bytes, aad: bytes, dek: bytes) -> None:
        with self._lock:
            self._keys[(key_id, wrapped, aad)] = (time.monotonic() + self.seconds, dek)
            self._keys.move_to_end((key_id, wrapped, aad))
            while len(self._keys) > self.entries:
                self._keys.popitem(last=False)

    def forget(self, key_id: str | None = None) -> None:
        """Drop the keys wrapped by ``key_id`` (every key when None)."""
        with self._lock:
            for entry in [k for k in self._keys if key_id is None or k[0] == key_id]:
                del self._keys[entry]

    def __len__(self) -> int:
        return len(self._keys)


class Envelope:
    """Seals and opens records with per-record data keys (unwrapped ones cached when
    ``cache_seconds`` > 0, see :class:`DataKeyCache`)."""

    def __init__(self, provider: KeyProvider, *, cache_seconds: float = 0.0) -> None:
        self.provider = provider
        self.cache = DataKeyCache(cache_seconds) if cache_seconds > 0 else None

    def data_key(self, *, aad: bytes) -> DataKey:
        """A fresh data key for the record ``aad`` names, wrapped now."""
        dek = AESGCM.generate_key(bit_length=256)
        key_id, wrapped = self.provider.wrap(dek, aad=aad)
        return DataKey(dek, key_id, wrapped, aad)

    def seal(self, plaintext: bytes, *, aad: bytes, key: DataKey | None = None) -> Sealed:
        if key is None:
            key = self.data_key(aad=aad)
        elif key.aad != aad:
            raise ValueError("this data key was wrapped for another record")
        ciphertext = _aead_seal(key.dek, plaintext, aad)
        return Sealed(ciphertext=ciphertext, wrapped_key=key.wrapped, key_id=key.key_id)

    def open(self, sealed: Sealed, *, aad: bytes) -> bytes:
        return _aead_open(self._dek(sealed, aad), sealed.ciphertext, aad)

    def _dek(self, sealed: Sealed, aad: bytes) -> bytes:
        cache = self.cache
        if cache is not None:
            dek = cache.get(self.provider, sealed.key_id, sealed.wrapped_key, aad)
            if dek is not None:
                return dek
        dek = self.provider.unwrap(sealed.key_id, sealed.wrapped_key, aad=aad)
        if cache is not None:
            cache.put(sealed.key_id, sealed.wrapped_key, aad, dek)
        return dek

    def seal_json(self, value: Any, *, aad: bytes, key: DataKey | None = None) -> Sealed:
        return self.seal(json.dumps(value, separators=(",", ":")).encode(), aad=aad, key=key)

    def open_json(self, sealed: Sealed, *, aad: bytes) -> Any:
        return json.loads(self.open(sealed, aad=aad))
