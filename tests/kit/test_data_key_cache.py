"""The in-memory cache of unwrapped data keys: hot records cost one unwrap, and a retired key
ends its cached keys at once (also when another process retires it)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from dcaas.kit.crypto import DecryptionError, Envelope, LocalKeyProvider

if TYPE_CHECKING:
    from pathlib import Path


class Counting:
    """A real provider, with its unwrap calls counted."""

    def __init__(self, inner: LocalKeyProvider) -> None:
        self.inner = inner
        self.unwraps = 0

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes:
        self.unwraps += 1
        return self.inner.unwrap(key_id, wrapped, aad=aad)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _envelope(tmp_path: Path, seconds: float) -> tuple[Envelope, Counting]:
    counting = Counting(LocalKeyProvider.from_file(tmp_path / "keys.json"))
    return Envelope(counting, cache_seconds=seconds), counting  # type: ignore[arg-type]


def test_a_hot_record_is_unwrapped_once(tmp_path: Path) -> None:
    """Opening one record many times unwraps its data key once."""
    envelope, counting = _envelope(tmp_path, 30)
    sealed = envelope.seal(b"secret", aad=b"record-1")
    for _ in range(50):
        assert envelope.open(sealed, aad=b"record-1") == b"secret"
    assert counting.unwraps == 1


def test_without_a_cache_every_open_unwraps(tmp_path: Path) -> None:
    """cache_seconds=0 keeps nothing."""
    envelope, counting = _envelope(tmp_path, 0)
    sealed = envelope.seal(b"secret", aad=b"r")
    for _ in range(3):
        envelope.open(sealed, aad=b"r")
    assert counting.unwraps == 3


def test_cached_keys_expire(tmp_path: Path) -> None:
    """After its time, a cached key is unwrapped again."""
    envelope, counting = _envelope(tmp_path, 0.05)
    sealed = envelope.seal(b"secret", aad=b"r")
    envelope.open(sealed, aad=b"r")
    time.sleep(0.1)
    envelope.open(sealed, aad=b"r")
    assert counting.unwraps == 2


def test_another_record_never_meets_a_cached_key(tmp_path: Path) -> None:
    """A ciphertext moved to another record (another aad) still fails to open."""
    envelope, _ = _envelope(tmp_path, 30)
    sealed = envelope.seal(b"secret", aad=b"record-1")
    envelope.open(sealed, aad=b"record-1")
    with pytest.raises(DecryptionError):
        envelope.open(sealed, aad=b"record-2")


def test_retirement_by_another_process_ends_cached_keys(tmp_path: Path) -> None:
    """`dcaas keys retire` elsewhere (another provider on the key file): a cached key of the
    retired key-encryption key no longer opens anything here."""
    envelope, _ = _envelope(tmp_path, 3600)
    sealed = envelope.seal(b"secret", aad=b"r")
    assert envelope.open(sealed, aad=b"r") == b"secret"
    operator = LocalKeyProvider.from_file(tmp_path / "keys.json")
    time.sleep(0.01)  # the key file's mtime moves on
    operator.add_key(None)
    operator.retire(sealed.key_id)
    with pytest.raises(DecryptionError, match="retired"):
        envelope.open(sealed, aad=b"r")
    assert envelope.cache is not None
    assert len(envelope.cache) == 0


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    """At most `entries` keys are kept; the least recently used go first."""
    envelope, counting = _envelope(tmp_path, 30)
    assert envelope.cache is not None
    envelope.cache.entries = 2
    records = [(envelope.seal(b"s", aad=bytes([i])), bytes([i])) for i in range(3)]
    for sealed, aad in records:
        envelope.open(sealed, aad=aad)
    assert len(envelope.cache) == 2
    envelope.open(*records[0][:1], aad=records[0][1])
    assert counting.unwraps == 4
