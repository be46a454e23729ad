"""SQL Server, Databricks, Oracle, Teradata and BigQuery: no server of theirs runs here.

Each test stands in for the real service at the edge dcaas talks to: a TLS listener with a
certificate from a throwaway CA, SQL Server's pre-login exchange (tests/connectors/sql/
standins.py), a listener that never answers, a local token endpoint and the one BigQuery
call reach-database makes (tests/connectors/sql/google_standin.py). They prove the steps up
to the real service's own protocol, the driver arguments, and the failure classes; the
README lists these engines as not proven against a live server.
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from tests import rest_server
from tests.connectors.sql.google_standin import Google, google_standin
from tests.connectors.sql.helpers import context, run_test, silent_listener
from tests.connectors.sql.standins import tds_listener, tls_listener, wrong_name_tls

from dcaas.connectors.sql import databricks, mssql, oracle, teradata
from dcaas.connectors.sql.bigquery import BigQueryConnector
from dcaas.connectors.sql.engine import Link
from dcaas.connectors.sql.worker import Guard, Worker

if TYPE_CHECKING:
    import ssl
    from collections.abc import Iterator
    from pathlib import Path

    from dcaas.connectors.base import StepResult


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    """A server context for 127.0.0.1 and the PEM of the CA that signed it."""
    return rest_server.make_tls(tmp_path)


@pytest.fixture
def google() -> Iterator[Google]:
    with google_standin() as state:
        yield state


def _link(props: Any, port: int) -> Link:
    ctx = context()
    return Link("db.example.com", port, ["192.0.2.7"], ctx, Worker("t", Guard(ctx.outbound, {})))


def _classified(result: StepResult) -> None:
    """A failed step with a code from the table, never the internal catch-all."""
    assert result.status == "failed"
    assert result.code not in {None, "DCAAS-6099"}


# -- SQL Server: the tls step speaks TDS pre-login ------------------------------------------
def _mssql(port: int, **extra: Any) -> dict[str, Any]:
    base = {"host": "127.0.0.1", "port": port, "database": "shop", "username": "u"}
    return {**base, "password": "p", **extra}


async def test_mssql_tls_step_verifies_the_certificate(tls: tuple[ssl.SSLContext, str]) -> None:
    """Stand-in for SQL Server: TLS in PRELOGIN packets; an unknown CA fails, its root passes."""
    server, ca = tls
    with tds_listener(server) as port:
        bad = await run_test(mssql.MssqlConnector, _mssql(port))
        trusted = [{"name": "ca.pem", "value": ca}]
        good = await run_test(mssql.MssqlConnector, _mssql(port, rootCertificates=trusted))
        lax = await run_test(mssql.MssqlConnector, _mssql(port, trustServerCertificate=True))
    assert (bad["tls"].code, bad["tls"].failure_class) == ("DCAAS-6005", "fix-configuration")
    assert bad["authenticate"].status == "skipped"
    assert good["tls"].status == "passed"
    assert lax["tls"].status == "passed"
    _classified(good["authenticate"])  # the stand-in ends after the handshake


async def test_mssql_without_encryption_support_fails_when_encrypt_is_on() -> None:
    """A server answering NOT_SUP to encryption fails tls before any login."""
    with tds_listener(None) as port:
        results = await run_test(mssql.MssqlConnector, _mssql(port))
    assert results["tls"].code == "DCAAS-6005"
    assert results["authenticate"].status == "skipped"


def test_mssql_driver_gets_the_checked_address() -> None:
    """pymssql is given the checked address, read-only intent and dcaas's timeouts."""
    props = mssql.MssqlProperties.model_validate(_mssql(1433, QueryTimeout=3600))
    args = mssql.connect_args(props, _link(props, 1433))
    assert (args["server"], args["port"], args["encryption"]) == ("192.0.2.7", "1433", "require")
    assert (args["read_only"], args["timeout"], args["login_timeout"]) == (True, 10, 3)


# -- Databricks and Oracle: TLS from the first byte ------------------------------------------
def _databricks(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "HTTPPath": "/sql/1.0/warehouses/abc",
        "password": "dapi-token",
        **extra,
    }


def _oracle(port: int, **extra: Any) -> dict[str, Any]:
    base = {"host": "127.0.0.1", "port": port, "serviceName": "ORCLPDB1", "protocol": "TCPS"}
    return {**base, "username": "u", "password": "p", **extra}


@pytest.mark.parametrize(
    ("connector", "props", "roots"),
    [
        (databricks.DatabricksConnector, _databricks, "TrustedCerts"),
        (oracle.OracleConnector, _oracle, "rootCertificates"),
    ],
)
async def test_tls_listener_with_an_unknown_ca_fails_at_tls(
    tls: tuple[ssl.SSLContext, str], connector: Any, props: Any, roots: str
) -> None:
    """Stand-in for the service's TLS: an unknown CA fails tls; trusting it passes tls."""
    server, ca = tls
    with tls_listener(server) as port:
        bad = await run_test(connector, props(port))
        good = await run_test(connector, props(port, **{roots: [{"name": "ca", "value": ca}]}))
    assert (bad["tls"].code, bad["tls"].failure_class) == ("DCAAS-6005", "fix-configuration")
    assert bad["authenticate"].status == "skipped"
    assert good["tls"].status == "passed"
    _classified(good["authenticate"])  # the listener closes after the handshake


@pytest.mark.parametrize(
    ("connector", "props", "roots"),
    [
        (databricks.DatabricksConnector, _databricks, "TrustedCerts"),
        (oracle.OracleConnector, _oracle, "rootCertificates"),
    ],
)
async def test_tls_listener_with_the_wrong_name_fails_at_tls(
    tmp_path: Path, connector: Any, props: Any, roots: str
) -> None:
    """Stand-in for a server presenting another name's certificate: even with its CA
    trusted, the host name check fails tls (DCAAS-6005)."""
    server, ca = wrong_name_tls(tmp_path)
    with tls_listener(server) as port:
        results = await run_test(connector, props(port, **{roots: [{"name": "ca", "value": ca}]}))
    assert (results["tls"].code, results["tls"].failure_class) == (
        "DCAAS-6005",
        "fix-configuration",
    )


async def test_mssql_tls_step_checks_the_name(tmp_path: Path) -> None:
    """Over TDS pre-login too: a trusted CA's certificate for another name fails tls."""
    server, ca = wrong_name_tls(tmp_path)
    trusted = [{"name": "ca.pem", "value": ca}]
    with tds_listener(server) as port:
        results = await run_test(mssql.MssqlConnector, _mssql(port, rootCertificates=trusted))
    assert results["tls"].code == "DCAAS-6005"
    assert results["authenticate"].status == "skipped"


def test_databricks_driver_arguments() -> None:
    """The token, the HTTP path and the catalog reach the driver; retries are capped."""
    props = databricks.DatabricksProperties.model_validate(
        _databricks(443, Catalog="main", Schema="sales")
    )
    args = databricks.connect_args(props, _link(props, 443))
    assert (args["server_hostname"], args["http_path"], args["access_token"]) == (
        "127.0.0.1",
        "/sql/1.0/warehouses/abc",
        "dapi-token",
    )
    assert (args["catalog"], args["schema"], args["_retry_stop_after_attempts_count"]) == (
        "main",
        "sales",
        1,
    )
    with pytest.raises(ValueError, match="SSL must be true"):
        databricks.DatabricksProperties.model_validate(_databricks(443, SSL="false"))


def test_oracle_driver_arguments() -> None:
    """The checked address, the service name and a TLS context pinned to the host name."""
    props = oracle.OracleProperties.model_validate(_oracle(2484))
    args = oracle.connect_args(props, _link(props, 2484))
    assert (args["host"], args["service_name"], args["protocol"]) == (
        "192.0.2.7",
        "ORCLPDB1",
        "tcps",
    )
    assert args["ssl_context"].pinned_host == "127.0.0.1"


# -- Teradata: a server that never answers ----------------------------------------------------
async def test_teradata_silent_server_fails_within_its_timeouts() -> None:
    """Stand-in for a hung Teradata: the driver's logon timeout ends the call (unreachable)."""
    props = {"host": "127.0.0.1", "username": "u", "password": "p"}
    with silent_listener() as port:
        started = time.monotonic()
        results = await run_test(
            teradata.TeradataConnector, {**props, "port": port}, context(connect_timeout=1)
        )
    assert time.monotonic() - started < 8
    assert results["connect"].status == "passed"
    assert results["authenticate"].failure_class == "unreachable"


def test_teradata_driver_arguments() -> None:
    """All of teradatasql's parameters are strings; the host is the checked address."""
    props = teradata.TeradataProperties.model_validate(
        {"host": "td.example.com", "username": "u", "password": "p", "db": "sales"}
    )
    args = teradata.connect_args(props, _link(props, 1025))
    assert args["host"] == "192.0.2.7"
    assert args["database"] == "sales"
    assert all(isinstance(v, str) for v in args.values())


# -- BigQuery: the service-account token exchange ------------------------------------------
def _gbq(key: list[dict[str, str]], endpoint: str, **extra: Any) -> dict[str, Any]:
    return {"Catalog": "dcaas-test", "KeyFilePath": key, "apiEndpoint": endpoint, **extra}


async def test_bigquery_json_key_exchanges_a_token_and_lists_datasets(google: Google) -> None:
    """Stand-in for Google: the key's assertion buys a token, which the API call carries."""
    key = [{"name": "key.json", "value": google.key_json()}]
    results = await run_test(BigQueryConnector, _gbq(key, google.url))
    assert {r.status for r in results.values()} == {"passed"}
    assert len(google.issued) == 1
    assert google.api_calls[-1].startswith("/bigquery/v2/projects/dcaas-test/datasets")


async def test_bigquery_unknown_key_fails_at_authenticate(google: Google) -> None:
    """A key the token endpoint does not know is DCAAS-6006 (fix-credentials)."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = [{"name": "key.json", "value": google.key_json(other)}]
    results = await run_test(BigQueryConnector, _gbq(key, google.url))
    assert (results["authenticate"].code, results["authenticate"].failure_class) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_bigquery_p12_key_opens_with_its_password(google: Google) -> None:
    """A .p12 key opens with P12CustomPwd; a wrong password is DCAAS-6006."""
    p12 = pkcs12.serialize_key_and_certificates(
        b"sa",
        google.key,
        None,
        None,
        serialization.BestAvailableEncryption(b"p12-Pass-3"),
    )
    key = [{"name": "key.p12", "value": base64.b64encode(p12).decode()}]
    email = "reader@dcaas-test.iam.gserviceaccount.com"
    wrong = await run_test(
        BigQueryConnector, _gbq(key, google.url, Email=email, P12CustomPwd="nope")
    )
    assert wrong["authenticate"].code == "DCAAS-6006"
    right = await run_test(
        BigQueryConnector, _gbq(key, google.url, Email=email, P12CustomPwd="p12-Pass-3")
    )
    # The key opened; a P12 key goes to Google's token endpoint, which does not resolve here.
    _classified(right["authenticate"])
    assert right["authenticate"].code != "DCAAS-6006"


async def test_bigquery_api_endpoint_tls_is_verified(tls: tuple[ssl.SSLContext, str]) -> None:
    """An HTTPS apiEndpoint with a certificate from an unknown CA fails at tls."""
    server, _ = tls
    key = [{"name": "key.json", "value": "{}"}]
    with tls_listener(server) as port:
        results = await run_test(BigQueryConnector, _gbq(key, f"https://127.0.0.1:{port}"))
    assert results["tls"].code == "DCAAS-6005"
