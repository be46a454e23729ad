"""Envelope encryption: per-record keys, bound to the record, under a rotatable KEK."""

from __future__ import annotations

import base64
import os

import pytest

from dcaas.kit.crypto import DecryptionError, Envelope, LocalKeyProvider, key_id_for


def test_round_trip_and_binding() -> None:
    """A sealed value opens with its AAD and fails with another record's."""
    env = Envelope(LocalKeyProvider.from_secret(base64.b64encode(os.urandom(32)).decode()))
    sealed = env.seal_json({"password": "p"}, aad=b"rec-1")
    assert env.open_json(sealed, aad=b"rec-1") == {"password": "p"}
    assert b"p" not in sealed.ciphertext[12:13]
    with pytest.raises(DecryptionError):
        env.open_json(sealed, aad=b"rec-2")


def test_old_key_still_opens_after_a_new_active_key() -> None:
    """Records sealed under an old KEK open while it is kept; new records use the new one."""
    k1, k2 = os.urandom(32), os.urandom(32)
    old = LocalKeyProvider({key_id_for(k1): k1}, key_id_for(k1))
    sealed = Envelope(old).seal(b"x", aad=b"a")
    both = LocalKeyProvider({key_id_for(k1): k1, key_id_for(k2): k2}, key_id_for(k2))
    assert Envelope(both).open(sealed, aad=b"a") == b"x"
    assert Envelope(both).seal(b"y", aad=b"a").key_id == key_id_for(k2)


def test_key_file_created_once(tmp_path) -> None:
    """The key file is created with mode 0600 and reused, not rewritten, on the next load."""
    path = tmp_path / "keys.json"
    first = LocalKeyProvider.from_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert LocalKeyProvider.from_file(path).active_key_id == first.active_key_id
