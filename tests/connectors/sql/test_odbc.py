"""The generic ODBC source with unixODBC and Debian's real drivers (odbc-postgresql,
odbc-mariadb), against the test PostgreSQL cluster and the local MariaDB."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from tests import sql_servers
from tests.connectors.sql.helpers import browse_all, context, run_test

from dcaas.connectors.sql.layer import join_path
from dcaas.connectors.sql.odbc import OdbcConnector, OdbcProperties, connection_string

if TYPE_CHECKING:
    from tests.sql_servers import Db

pyodbc = pytest.importorskip("pyodbc")
PG_DRIVER, MARIA_DRIVER = "PostgreSQL Unicode", "MariaDB Unicode"


@pytest.fixture(scope="module", autouse=True)
def _drivers() -> None:
    """Debian's ODBC drivers: .ci/run installs them and sets DCAAS_REQUIRE_ODBC=1, so CI
    fails without them; elsewhere the module is skipped."""
    missing = {PG_DRIVER, MARIA_DRIVER} - set(pyodbc.drivers())
    if missing and os.environ.get("DCAAS_REQUIRE_ODBC") == "1":
        pytest.fail(f"install unixodbc odbc-postgresql odbc-mariadb (missing {missing})")
    if missing:
        pytest.skip(f"apt-get install unixodbc odbc-postgresql odbc-mariadb (missing {missing})")


def props(db: Db, driver: str, **extra: Any) -> dict[str, Any]:
    return {
        "odbcDriver": driver,
        "host": "127.0.0.1",
        "port": db.port,
        "database": db.database,
        "username": db.user,
        "password": db.password,
        **extra,
    }


async def test_postgresql_driver_passes_every_step(pg: Db) -> None:
    """psqlODBC logs in to the checked address and reaches the database."""
    results = await run_test(
        OdbcConnector,
        props(pg, PG_DRIVER, attributes=[{"name": "SSLmode", "value": "disable"}]),
    )
    assert list(results) == ["resolve-host", "connect", "authenticate", "reach-database"]
    assert {r.status for r in results.values()} == {"passed"}


async def test_wrong_password_fails_at_authenticate(pg: Db, maria: Db) -> None:
    """Both drivers' refusals of a password are DCAAS-6006 (fix-credentials)."""
    for db, driver in ((pg, PG_DRIVER), (maria, MARIA_DRIVER)):
        results = await run_test(OdbcConnector, props(db, driver, password="wrong-Od1"))
        assert (results["authenticate"].code, results["authenticate"].failure_class) == (
            "DCAAS-6006",
            "fix-credentials",
        ), driver


async def test_driver_not_installed_is_a_configuration_failure(pg: Db) -> None:
    """A driver name the operator did not install fails authenticate as fix-configuration."""
    results = await run_test(OdbcConnector, props(pg, "Nope Driver"))
    assert results["authenticate"].failure_class == "fix-configuration"
    assert "odbcinst" in str(results["authenticate"].detail)


async def test_postgresql_browse_pages_and_preview(pg: Db) -> None:
    """Pages of two cover every table in order; the driver's quote character is used."""
    connector = OdbcConnector(props(pg, PG_DRIVER), context())
    try:
        assert await browse_all(connector, "sales", 2) == sorted(sql_servers.TABLES)
        columns = await connector.browse(join_path("sales", "t1"), 2, None)
        assert [e.name for e in columns.items] == ["id", "name"]
        assert columns.next_token == "2"
        preview = await connector.preview(join_path("sales", "t1"), 10_000, 2)
        assert [r[:2] for r in preview.rows] == [[1, "name 1"], [2, "name 2"]]
        assert preview.truncated
        weird = await connector.preview(join_path("sales", 'we"ird'), 1000, 5)
        assert weird.rows == [[7]]
    finally:
        await connector.aclose()


async def test_mariadb_driver_quotes_percent_and_question_mark(maria: Db, odd_maria: str) -> None:
    """MariaDB's driver quotes with backticks; a%b and q?x preview as names, not markers."""
    connector = OdbcConnector(props(maria, MARIA_DRIVER, database=odd_maria), context())
    try:
        assert await browse_all(connector, odd_maria, 1) == ["a%b", "q?x"]
        assert (await connector.preview(join_path(odd_maria, "a%b"), 1000, 5)).rows == [[5]]
        assert (await connector.preview(join_path(odd_maria, "q?x"), 1000, 5)).rows == [[6]]
    finally:
        await connector.aclose()


def test_connection_string_braces_values_and_uses_the_checked_address() -> None:
    """Values are braced (a ';' cannot start another attribute); the host is the address."""
    model = OdbcProperties.model_validate(
        {
            "odbcDriver": PG_DRIVER,
            "host": "db.example.com",
            "port": 5432,
            "password": "p;w}d",
            "attributes": [{"name": "SSLmode", "value": "require"}],
        }
    )
    text = connection_string(model, "192.0.2.7")
    assert "Server=192.0.2.7;" in text
    assert "PWD={p;w}}d}" in text
    assert "db.example.com" not in text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("odbcDriver", "/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so"),
        ("attributes", [{"name": "DSN", "value": "elsewhere"}]),
        ("attributes", [{"name": "server", "value": "10.0.0.1"}]),
    ],
)
def test_paths_and_reserved_attributes_are_refused(field: str, value: Any) -> None:
    """A library path (arbitrary code) or an attribute that overrides the host is refused."""
    base = {"odbcDriver": PG_DRIVER, "host": "db.example.com"}
    with pytest.raises(ValueError, match=field):
        OdbcProperties.model_validate({**base, field: value})
