"""PostgreSQL and MySQL / MariaDB on the SQL engine layer, against real servers on 127.0.0.1."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests import sql_servers
from tests.connectors.sql.helpers import browse_all, context, run_test

from dcaas.connectors.base import ConnectorContext, SourceFailure, StepFailed, Steps
from dcaas.connectors.sql.layer import join_path
from dcaas.connectors.sql.mysql import MysqlConnector
from dcaas.connectors.sql.postgresql import PostgresConnector
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from tests.sql_servers import Db

CONTEXT = context()


def props(db: Db, **extra: Any) -> dict[str, Any]:
    """Connection properties for a test database."""
    return {
        "host": "127.0.0.1",
        "port": db.port,
        "database": db.database,
        "username": db.user,
        "password": db.password,
        **extra,
    }


async def test_pg_good_connection_passes_every_step(pg: Db) -> None:
    """With TLS offered (sslMode prefer) every step passes, tls included."""
    results = await run_test(PostgresConnector, props(pg))
    assert list(results) == ["resolve-host", "connect", "tls", "authenticate", "reach-database"]
    assert {r.status for r in results.values()} == {"passed"}


async def test_pg_wrong_password_fails_at_authenticate(pg: Db) -> None:
    """scram-sha-256 refuses a wrong password: authenticate fails with DCAAS-6006."""
    results = await run_test(PostgresConnector, props(pg, password="wrong-Tt7"))
    failed = results["authenticate"]
    assert (failed.code, failed.failure_class) == ("DCAAS-6006", "fix-credentials")
    assert results["reach-database"].status == "skipped"


async def test_pg_wrong_database_fails_at_reach_database(pg: Db) -> None:
    """A missing database passes authenticate and fails reach-database with DCAAS-6008."""
    results = await run_test(PostgresConnector, props(pg, database="nope"))
    assert results["authenticate"].status == "passed"
    assert results["reach-database"].code == "DCAAS-6008"


async def test_pg_verify_full_with_custom_root(pg: Db) -> None:
    """verify-full trusts the given root and checks the host name; system roots fail at tls."""
    roots = [{"name": "ca.pem", "value": pg.ca_pem}]
    good = await run_test(
        PostgresConnector, props(pg, sslMode="verify-full", rootCertificates=roots)
    )
    assert {r.status for r in good.values()} == {"passed"}
    bad = await run_test(PostgresConnector, props(pg, sslMode="verify-ca"))
    assert (bad["tls"].code, bad["tls"].failure_class) == ("DCAAS-6005", "fix-configuration")


async def test_pg_disable_has_no_tls_step(pg: Db) -> None:
    """sslMode disable skips the tls step and still passes."""
    results = await run_test(PostgresConnector, props(pg, sslMode="disable"))
    assert "tls" not in results
    assert results["reach-database"].status == "passed"


async def test_pg_browse_pages_through_tables(pg: Db) -> None:
    """Browse with limit 2 pages through all seven tables and views, in order."""
    connector = PostgresConnector(props(pg), CONTEXT)
    try:
        assert "sales" in await browse_all(connector, "", 2)
        assert await browse_all(connector, "sales", 2) == sorted(sql_servers.TABLES)
        page = await connector.browse("sales", 100, None)
        kinds = {e.name: e.type for e in page.items}
        assert (kinds["v1"], kinds["t1"]) == ("view", "table")
    finally:
        await connector.aclose()


async def test_pg_browse_columns_and_preview(pg: Db) -> None:
    """Columns carry dataType and nullable; preview returns JSON-safe first rows."""
    connector = PostgresConnector(props(pg), CONTEXT)
    try:
        page = await connector.browse("sales/t1", 100, None)
        columns = {e.name: e.extra for e in page.items}
        assert columns["id"] == {"dataType": "integer", "nullable": False}
        assert columns["price"]["dataType"] == "numeric"
        preview = await connector.preview("sales/t1", 100_000, 3)
        assert preview.columns == ["id", "name", "price", "at", "raw"]
        assert preview.rows[0] == [1, "name 1", "1.50", "2024-01-02T03:04:05+00:00", "AP8="]
        assert (len(preview.rows), preview.truncated) == (3, True)
    finally:
        await connector.aclose()


async def test_pg_preview_quotes_identifiers(pg: Db) -> None:
    """A table named with a double quote is previewed; an injection attempt is not found."""
    connector = PostgresConnector(props(pg), CONTEXT)
    try:
        preview = await connector.preview(join_path("sales", 'we"ird'), 1000, 10)
        assert preview.rows == [[7]]
        with pytest.raises(SourceFailure) as raised:
            await connector.preview(join_path("sales", "t1; DROP TABLE sales.t2"), 1000, 10)
        assert raised.value.http_status == 404
        assert "t2" in await browse_all(connector, "sales", 100)
    finally:
        await connector.aclose()


async def test_pg_browse_missing_schema_is_not_found(pg: Db) -> None:
    """Browsing a schema that does not exist is a 404-class failure (DCAAS-6008)."""
    connector = PostgresConnector(props(pg), CONTEXT)
    try:
        with pytest.raises(SourceFailure) as raised:
            await connector.browse("nope", 10, None)
    finally:
        await connector.aclose()
    assert (raised.value.code, raised.value.http_status) == ("DCAAS-6008", 404)


async def test_mysql_good_connection_passes(maria: Db) -> None:
    """MariaDB without TLS passes with sslMode prefer (tls passes as not required)."""
    results = await run_test(MysqlConnector, props(maria))
    assert {r.status for r in results.values()} == {"passed"}


async def test_mysql_require_fails_at_tls(maria: Db) -> None:
    """sslMode require against a server without TLS fails at tls with DCAAS-6005."""
    results = await run_test(MysqlConnector, props(maria, sslMode="require"))
    assert results["tls"].code == "DCAAS-6005"
    assert results["authenticate"].status == "skipped"


async def test_mysql_wrong_password_fails_at_authenticate(maria: Db) -> None:
    """A wrong password fails authenticate with DCAAS-6006."""
    results = await run_test(MysqlConnector, props(maria, password="wrong-Rr2"))
    assert (results["authenticate"].code, results["authenticate"].failure_class) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_mysql_wrong_database_fails_at_reach_database(maria: Db) -> None:
    """A database the user cannot see fails reach-database (not found or access denied)."""
    results = await run_test(MysqlConnector, props(maria, database="dcaas_no_such_db"))
    assert results["authenticate"].status == "passed"
    assert results["reach-database"].code in {"DCAAS-6008", "DCAAS-6007"}
    assert results["reach-database"].status == "failed"


async def test_mysql_browse_and_preview(maria: Db) -> None:
    """Browse pages through the tables with limit 2; preview quotes names."""
    connector = MysqlConnector(props(maria), CONTEXT)
    try:
        assert await browse_all(connector, maria.schema, 2) == sorted(sql_servers.TABLES)
        page = await connector.browse(join_path(maria.schema, "t1"), 10, None)
        assert [e.name for e in page.items] == ["id", "name"]
        preview = await connector.preview(join_path(maria.schema, "t1"), 1000, 2)
        assert preview.rows == [[1, "one"], [2, "two"]]
        weird = await connector.preview(join_path(maria.schema, 'we"ird'), 1000, 2)
        assert (weird.rows, weird.truncated) == ([], False)
    finally:
        await connector.aclose()


async def test_outbound_policy_refuses_sql_targets() -> None:
    """With the default policy a SQL connection to loopback fails at resolve-host (6002)."""
    steps = Steps()
    default = ConnectorContext(
        outbound=OutboundPolicy(), connect_timeout=1, total_timeout=2, max_preview_bytes=10
    )
    connector = PostgresConnector({"host": "localhost", "database": "x", "username": "u"}, default)
    with pytest.raises(StepFailed):
        await connector.test(steps)
    assert (steps.results[0].name, steps.results[0].code) == ("resolve-host", "DCAAS-6002")


async def test_mysql_preview_of_names_with_percent_and_question_mark(
    maria: Db, odd_maria: str
) -> None:
    """Tables named a%b and q?x preview as names: the statement runs without parameters."""
    connector = MysqlConnector(props(maria, database=odd_maria), CONTEXT)
    try:
        assert (await connector.preview(join_path(odd_maria, "a%b"), 1000, 5)).rows == [[5]]
        assert (await connector.preview(join_path(odd_maria, "q?x"), 1000, 5)).rows == [[6]]
        assert [e.name for e in (await connector.browse(odd_maria, 10, None)).items] == [
            "a%b",
            "q?x",
        ]
    finally:
        await connector.aclose()
