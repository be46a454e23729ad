"""Redshift through redshift_connector, against the test PostgreSQL cluster: an approximation.

No Redshift runs here. Redshift speaks PostgreSQL's protocol, so the real driver talks to
a real PostgreSQL (an MD5 password role) through a proxy that only removes the start-up
parameters PostgreSQL does not know (tests/connectors/sql/pg_proxy.py). Proven here: the
driver's login, a wrong password refused, the read-only transaction, browse and preview.
Not proven: Redshift's own catalog, TLS with Redshift's certificates (the proxy offers no
TLS, so these tests use sslMode disable; the tls step is tested for a server without TLS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests import sql_servers
from tests.connectors.sql.helpers import browse_all, context, run_test
from tests.connectors.sql.pg_proxy import redshift_proxy

from dcaas.connectors.base import SourceFailure
from dcaas.connectors.sql.layer import join_path
from dcaas.connectors.sql.redshift import RedshiftConnector

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sql_servers import Db


@pytest.fixture(scope="module")
def proxy_port(pg: Db) -> Iterator[int]:
    with redshift_proxy(pg.port) as port:
        yield port


def props(db: Db, port: int, **extra: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "database": db.database,
        "username": "legacy",  # an MD5 role, as Redshift's drivers sign in (tests/sql_servers.py)
        "password": db.password,
        "sslMode": "disable",
        **extra,
    }


async def test_good_connection_passes(pg: Db, proxy_port: int) -> None:
    """With sslMode disable there is no tls step; the driver logs in and reaches the database."""
    results = await run_test(RedshiftConnector, props(pg, proxy_port))
    assert list(results) == ["resolve-host", "connect", "authenticate", "reach-database"]
    assert {r.status for r in results.values()} == {"passed"}


async def test_wrong_password_fails_at_authenticate(pg: Db, proxy_port: int) -> None:
    """The server's refusal of a password is DCAAS-6006 (fix-credentials)."""
    results = await run_test(RedshiftConnector, props(pg, proxy_port, password="wrong-Rs1"))
    assert (results["authenticate"].code, results["authenticate"].failure_class) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_missing_database_fails(pg: Db, proxy_port: int) -> None:
    """A database that does not exist is DCAAS-6008 (the driver logs in and selects at once)."""
    results = await run_test(RedshiftConnector, props(pg, proxy_port, database="nope"))
    failed = next(r for r in results.values() if r.status == "failed")
    assert (failed.name, failed.code) == ("authenticate", "DCAAS-6008")


async def test_tls_required_but_not_offered(pg: Db, proxy_port: int) -> None:
    """verify-full against a server that declines TLS fails at tls before any login."""
    results = await run_test(RedshiftConnector, props(pg, proxy_port, sslMode="verify-full"))
    assert results["tls"].code == "DCAAS-6005"
    assert results["authenticate"].status == "skipped"


async def test_browse_preview_and_read_only(pg: Db, proxy_port: int) -> None:
    """Browse pages through the schema; preview reads rows; the session refuses writes."""
    connector = RedshiftConnector(props(pg, proxy_port), context())
    try:
        assert await browse_all(connector, "sales", 2) == sorted(sql_servers.TABLES)
        preview = await connector.preview(join_path("sales", "t1"), 10_000, 2)
        assert preview.columns[:2] == ["id", "name"]
        assert [r[:2] for r in preview.rows] == [[1, "name 1"], [2, "name 2"]]
        weird = await connector.preview(join_path("sales", 'we"ird'), 1000, 5)
        assert weird.rows == [[7]]
        assert connector.session is not None
        with pytest.raises(Exception, match="read-only"):
            await connector.session.query("CREATE TABLE sales.nope (x int)")
    finally:
        await connector.aclose()


async def test_missing_table_is_not_found(pg: Db, proxy_port: int) -> None:
    """Previewing a table that does not exist is a 404-class failure."""
    connector = RedshiftConnector(props(pg, proxy_port), context())
    try:
        with pytest.raises(SourceFailure) as raised:
            await connector.preview(join_path("sales", "nope"), 1000, 5)
    finally:
        await connector.aclose()
    assert (raised.value.code, raised.value.http_status) == ("DCAAS-6008", 404)
