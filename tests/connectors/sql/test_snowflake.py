"""Snowflake against fakesnow's server (DuckDB behind Snowflake's protocol) on 127.0.0.1.

The real snowflake-connector-python talks to fakesnow over HTTP; fakesnow works with
connector versions below 4 only, hence the pin in the dev extra. What fakesnow cannot
prove: it accepts any password and any key-pair JWT (a wrong password or an unknown key
would pass here), it creates a database it does not know on login (the missing-database
check of reach-database is not exercised), it has no warehouses (CURRENT_WAREHOUSE() is
unknown to it, so the warehouse check is not exercised), and it speaks HTTP only (TLS to
Snowflake is checked by the ``tls`` step, tested against a local TLS listener below).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests import rest_server
from tests.connectors.sql.helpers import browse_all, closed_port, context, run_test
from tests.connectors.sql.live import SNOWFLAKE_TABLES, snowflake_props
from tests.connectors.sql.standins import tls_listener

from dcaas.connectors.sql.layer import join_path
from dcaas.connectors.sql.snowflake import SnowflakeConnector, SnowflakeProperties, _account

if TYPE_CHECKING:
    from pathlib import Path

TABLES = SNOWFLAKE_TABLES
props = snowflake_props


def _key_pem(passphrase: bytes | None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    crypt = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, crypt
    ).decode()


async def test_password_sign_in_passes_every_step(fakesnow_port: int) -> None:
    """Over HTTP there is no tls step; the rest pass (fakesnow accepts any password)."""
    results = await run_test(SnowflakeConnector, props(fakesnow_port))
    assert list(results) == ["resolve-host", "connect", "authenticate", "reach-database"]
    assert {r.status for r in results.values()} == {"passed"}


async def test_key_pair_sign_in_decrypts_the_key(fakesnow_port: int) -> None:
    """snowflake_jwt with an encrypted key passes; a wrong passphrase fails authenticate."""
    pem = _key_pem(b"Key-Pass-9")
    key = {
        "authenticator": "snowflake_jwt",
        "PRIV_KEY_FILE": [{"name": "rsa_key.p8", "value": pem}],
        "password": None,
    }
    good = await run_test(
        SnowflakeConnector, props(fakesnow_port, **key, PRIV_KEY_FILE_PWD="Key-Pass-9")
    )
    assert {r.status for r in good.values()} == {"passed"}
    bad = await run_test(
        SnowflakeConnector, props(fakesnow_port, **key, PRIV_KEY_FILE_PWD="wrong-Pass-1")
    )
    assert (bad["authenticate"].code, bad["authenticate"].failure_class) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_browse_pages_and_preview_quotes_names(fakesnow_port: int) -> None:
    """Paging by 2 lists every table; names with %, ? and a quote preview correctly."""
    connector = SnowflakeConnector(props(fakesnow_port), context())
    try:
        assert "SALES" in await browse_all(connector, "", 1)
        names = await browse_all(connector, "SALES", 2)  # in the server's collation
        assert sorted(names) == sorted(TABLES)
        assert len(names) == len(TABLES)
        columns = await connector.browse(join_path("SALES", "T1"), 10, None)
        assert [(e.name, e.extra["dataType"]) for e in columns.items] == [
            ("ID", "NUMBER"),
            ("NAME", "TEXT"),
        ]
        preview = await connector.preview(join_path("SALES", "T1"), 10_000, 2)
        assert (preview.columns, preview.rows, preview.truncated) == (
            ["ID", "NAME"],
            [[1, "one"], [2, "two"]],
            True,
        )
        assert (await connector.preview(join_path("SALES", "a%b"), 1000, 5)).rows == [[5]]
        assert (await connector.preview(join_path("SALES", "q?x"), 1000, 5)).rows == [[6]]
        assert (await connector.preview(join_path("SALES", 'we"ird'), 1000, 5)).rows == []
    finally:
        await connector.aclose()


async def test_closed_port_fails_at_connect() -> None:
    """Nothing listening: connect fails as unreachable, before the driver is asked."""
    results = await run_test(SnowflakeConnector, props(closed_port()))
    assert (results["connect"].code, results["connect"].failure_class) == (
        "DCAAS-6003",
        "unreachable",
    )
    assert results["authenticate"].status == "skipped"


async def test_tls_step_checks_the_server_name(tmp_path: Path) -> None:
    """Over HTTPS the tls step verifies the certificate: a self-made CA fails (DCAAS-6005)."""
    server_ctx, _ = rest_server.make_tls(tmp_path)
    with tls_listener(server_ctx) as port:
        results = await run_test(SnowflakeConnector, props(port, protocol="https"))
    assert (results["tls"].code, results["tls"].failure_class) == (
        "DCAAS-6005",
        "fix-configuration",
    )
    assert results["authenticate"].status == "skipped"


def test_account_is_the_server_without_the_domain() -> None:
    """The account identifier comes from the server name, as Snowflake's drivers take it."""
    assert _account("XY12345.eu-west-1.snowflakecomputing.com") == "xy12345.eu-west-1"
    assert _account("sf.internal.example") == "sf"


def test_key_pair_needs_a_key_and_password_sign_in_a_password() -> None:
    """Validation names the missing credential of the chosen authenticator."""
    base = {"server": "a.snowflakecomputing.com", "database": "D", "username": "u"}
    with pytest.raises(ValueError, match="PRIV_KEY_FILE is required"):
        SnowflakeProperties.model_validate({**base, "authenticator": "snowflake_jwt"})
    with pytest.raises(ValueError, match="password is required"):
        SnowflakeProperties.model_validate(base)
