"""The SQL engines with a live server here, through the API: test, browse past one page,
preview, and no secret in any answer.

PostgreSQL and MariaDB are real; Snowflake is fakesnow, Athena is moto, Redshift is the
test PostgreSQL behind a protocol proxy, ODBC is unixODBC's PostgreSQL driver (see each
engine's own test module for what these stand-ins cannot prove).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from tests import sql_servers
from tests.conftest import running_api
from tests.connectors.sql.helpers import silent_listener
from tests.connectors.sql.live import SNOWFLAKE_TABLES, snowflake_props
from tests.connectors.sql.pg_proxy import redshift_proxy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from tests.conftest import Api
    from tests.connectors.sql.live import Athena
    from tests.sql_servers import Db

URL = "/api/v1/data-connections"


@dataclass
class Live:
    """A connection to a live server: what to create, where to browse, what to preview."""

    source: str
    props: dict[str, Any]
    browse: str  # a path with more than two entries
    expected: list[str]  # every name under it, in any order
    preview: str
    first_row: list[Any]
    secrets: tuple[str, ...]


@pytest.fixture(scope="module")
def redshift_port(pg: Db) -> Iterator[int]:
    with redshift_proxy(pg.port) as port:
        yield port


def _pg(db: Db, **extra: Any) -> dict[str, Any]:
    base = {"host": "127.0.0.1", "port": db.port, "database": db.database}
    return {**base, "username": db.user, "password": db.password, **extra}


@pytest.fixture(params=["postgresql", "mysql", "snowflake", "redshift", "GenericDriver", "athena"])
def live(request: pytest.FixtureRequest) -> Live:
    """One live connection per engine (fixtures started on first use, once a session)."""
    name = request.param
    if name == "postgresql":
        pg: Db = request.getfixturevalue("pg")
        first = [1, "name 1", "1.50", "2024-01-02T03:04:05+00:00", "AP8="]
        return Live(name, _pg(pg), "sales", sql_servers.TABLES, "sales/t1", first, (pg.password,))
    if name == "mysql":
        maria: Db = request.getfixturevalue("maria")
        schema = maria.schema
        props = _pg(maria)
        return Live(
            name, props, schema, sql_servers.TABLES, f"{schema}/t1", [1, "one"], (maria.password,)
        )
    if name == "snowflake":
        port: int = request.getfixturevalue("fakesnow_port")
        props = snowflake_props(port)
        return Live(
            name, props, "SALES", SNOWFLAKE_TABLES, "SALES/T1", [1, "one"], (props["password"],)
        )
    if name == "redshift":
        pg = request.getfixturevalue("pg")
        port = request.getfixturevalue("redshift_port")
        props = _pg(pg, port=port, username="legacy", sslMode="disable")
        return Live(
            name, props, "sales", sql_servers.TABLES, "sales/t1", [1, "name 1"], (pg.password,)
        )
    if name == "GenericDriver":
        pyodbc = pytest.importorskip("pyodbc")
        if "PostgreSQL Unicode" not in pyodbc.drivers():
            if os.environ.get("DCAAS_REQUIRE_ODBC") == "1":
                pytest.fail("install unixodbc odbc-postgresql")
            pytest.skip("apt-get install unixodbc odbc-postgresql")
        pg = request.getfixturevalue("pg")
        props = _pg(pg, odbcDriver="PostgreSQL Unicode")
        return Live(
            name, props, "sales", sql_servers.TABLES, "sales/t1", [1, "name 1"], (pg.password,)
        )
    athena: Athena = request.getfixturevalue("athena")
    athena.queue_result(["id", "name"], [["1", "one"], ["2", "two"]])
    names = ["default", "sales", "stock", "staff"]
    return Live(name, athena.props(), "", names, "sales/orders", ["1", "one"], (athena.secret,))


@pytest.fixture
async def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The app on SQLite (the store is not what these tests are about), loopback allowed."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    async with running_api("sqlite", tmp_path) as running:
        yield running


async def _created(api: Api, live: Live) -> str:
    body = {"qName": f"live-{live.source}", "datasourceID": live.source}
    body["connectionProperties"] = live.props
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


async def test_test_browse_preview_through_the_api(api: Api, live: Live) -> None:
    """A saved connection passes its test, browses page by page, previews, shows no secret."""
    conn = await _created(api, live)
    answers: list[str] = []
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.alice))
    answers.append(res.text)
    assert res.json()["status"] == "passed", res.text

    names: list[str] = []
    pages = 0
    url: str | None = f"{URL}/{conn}/browse"
    params: dict[str, Any] | None = {"path": live.browse, "limit": 2}
    while url:
        res = await api.client.get(url, params=params, headers=api.h(api.alice))
        answers.append(res.text)
        assert res.status_code == 200, res.text
        page = res.json()
        assert len(page["data"]) <= 2
        names += [item["name"] for item in page["data"]]
        url, params = page["links"].get("next", {}).get("href"), None
        pages += 1
    assert pages > 1
    assert sorted(names) == sorted(live.expected)

    res = await api.client.get(
        f"{URL}/{conn}/preview", params={"path": live.preview}, headers=api.h(api.alice)
    )
    answers.append(res.text)
    assert res.status_code == 200, res.text
    assert res.json()["rows"][0][: len(live.first_row)] == live.first_row

    res = await api.client.get(f"{URL}/{conn}?parseConnection=true", headers=api.h(api.alice))
    answers.append(res.text)
    for secret in live.secrets:
        assert all(secret not in text for text in answers)


async def test_hung_driver_call_is_abandoned_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand-in for a SQL Server that never answers: the answer comes at the deadline while
    pymssql's thread is still blocked in its login (it ends on its own timeout later)."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    props = {"host": "127.0.0.1", "database": "shop", "username": "u", "password": "p"}
    props["encrypt"] = False  # straight to the driver's login, which then hangs
    async with running_api("sqlite", tmp_path, connector_total_timeout=2) as api:
        with silent_listener() as port:
            body = {"qName": "hung", "datasourceID": "mssql"}
            body["connectionProperties"] = {**props, "port": port}
            started = time.monotonic()
            res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
            elapsed = time.monotonic() - started
            still_running = any(
                t.is_alive() for t in threading.enumerate() if t.name == "dcaas-sql-mssql"
            )
    steps = {s["name"]: s for s in res.json()["steps"]}
    assert steps["connect"]["status"] == "passed"
    assert (steps["authenticate"]["code"], steps["authenticate"]["failureClass"]) == (
        "DCAAS-6010",
        "unreachable",
    )
    assert elapsed < 4
    assert still_running
