"""The log guard reads the test sources for the secrets they write (see tests/log_guard.py)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from tests import log_guard

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = """
KEY = "Module-Key-Aa1"
props = {"password": "Dict-Secret-Bb2", "host": "db-host-Cc3", "username": "postgres"}
made = connect(sasToken=KEY, accountKey="Keyword-Secret-Dd4", name="Named-Ee5")
"""


def test_secrets_written_under_secret_keys_are_found(tmp_path: Path) -> None:
    """Dict items and keyword arguments under a secret key, literals or module constants by
    name, are found; other values and plain words are not."""
    (tmp_path / "test_sample.py").write_text(SOURCE)
    keys = frozenset({"password", "username", "sasToken", "accountKey"})
    found = log_guard.literal_secrets(tmp_path, keys)
    assert found == {"Module-Key-Aa1", "Dict-Secret-Bb2", "Keyword-Secret-Dd4"}


def test_every_secret_property_of_the_catalog_is_a_secret_key() -> None:
    """The keys come from the catalog's secret marks, Qlik's members and secret settings."""
    keys = log_guard.secret_keys()
    assert {"password", "sasToken", "clientSecret", "PRIV_KEY_FILE_PWD", "KeyFilePath"} <= keys
    assert {"qPassword", "apiKey", "jwt_hs256_secret", "oidc_client_secret"} <= keys
    assert "host" not in keys


def test_a_logged_secret_is_found_in_each_form() -> None:
    """A remembered secret logged raw, base64 or hex is reported with its test and line."""
    secret = "Guard-Probe-Secret-Ff6"  # made up: the guard must find it
    lines = [
        ("t::raw", f"connect as {secret}"),
        ("t::b64", "token " + base64.b64encode(secret.encode()).decode()),
        ("t::hex", "dump " + secret.encode().hex()),
    ]
    log_guard.remember(secret)
    for line in lines:
        log_guard._RECORDER.lines.append(line)
        try:
            assert (secret, *line) in log_guard.leaks()
        finally:
            log_guard._RECORDER.lines.remove(line)
    assert all(found[0] != secret for found in log_guard.leaks())
