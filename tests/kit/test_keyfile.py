"""The key ring file: atomic private writes, and running providers that follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from dcaas.kit.crypto import DecryptionError, Envelope, KeyProviderError, LocalKeyProvider
from dcaas.kit.keyfile import KeyAdminError, KeyFile, KeyRing

if TYPE_CHECKING:
    from pathlib import Path


def test_running_provider_follows_a_rotation_by_another_process(tmp_path: Path) -> None:
    """A provider loaded before a rotation wraps with the new key and opens records under it."""
    path = tmp_path / "keys.json"
    server = LocalKeyProvider.from_file(path)
    cli = LocalKeyProvider.from_file(path)
    old = server.active_key_id
    sealed_old = Envelope(server).seal(b"before", aad=b"r1")
    new = cli.add_key(None)
    sealed_new = Envelope(cli).seal(b"after", aad=b"r2")
    assert Envelope(server).open(sealed_new, aad=b"r2") == b"after"
    assert Envelope(server).seal(b"x", aad=b"r3").key_id == new
    assert Envelope(server).open(sealed_old, aad=b"r1") == b"before"
    assert server.active_key_id == new != old


def test_retired_key_no_longer_opens(tmp_path: Path) -> None:
    """Retiring drops the key's material: its records fail to open, with a reason."""
    provider = LocalKeyProvider.from_file(tmp_path / "keys.json")
    old = provider.active_key_id
    sealed = Envelope(provider).seal(b"x", aad=b"r")
    with pytest.raises(KeyAdminError, match="active"):
        provider.retire(old)
    provider.add_key(None)
    provider.retire(old)
    with pytest.raises(DecryptionError, match="retired"):
        Envelope(provider).open(sealed, aad=b"r")
    assert old in provider.ring().retired
    assert old not in provider.ring().keys


def test_writes_are_atomic_and_private(tmp_path: Path) -> None:
    """Every write replaces the file (new inode), keeps mode 0600 and leaves no temporary file."""
    path = tmp_path / "keys.json"
    provider = LocalKeyProvider.from_file(path)
    inode = path.stat().st_ino
    provider.add_key(None)
    assert path.stat().st_ino != inode
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json", "keys.json.lock"]


def test_changed_notices_a_replacement(tmp_path: Path) -> None:
    """KeyFile.changed is false after a read and true once another writer replaced the file."""
    path = tmp_path / "ring.json"
    first = KeyFile(path)
    first.create(KeyRing(active="a", keys={"a": "x"}))
    first.read()
    assert not first.changed()
    with KeyFile(path).update() as ring:
        ring.keys["b"] = "y"
        ring.active = "b"
    assert first.changed()
    assert first.read().active == "b"


async def test_check_fails_when_the_key_file_is_damaged(tmp_path: Path) -> None:
    """check() passes on a good key file and raises KeyProviderError once it is unreadable."""
    path = tmp_path / "keys.json"
    provider = LocalKeyProvider.from_file(path)
    await provider.check()
    path.write_text("{not json")
    with pytest.raises(KeyProviderError):
        await provider.check()
