"""Browse and preview of a SQL connection through the API (MariaDB at 127.0.0.1:3306)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pytest
from tests import sql_servers
from tests.conftest import Api, assert_error

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sql_servers import Db

URL = "/api/v1/data-connections"


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connectors may reach 127.0.0.1 here (set before the api fixture builds the app)."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")


@pytest.fixture(scope="module")
def maria() -> Iterator[Db]:
    with sql_servers.mariadb_account() as db:
        yield db


def body(db: Db, **extra: Any) -> dict[str, Any]:
    """A mysql connection body for the test database."""
    props = {
        "host": "127.0.0.1",
        "port": db.port,
        "database": db.database,
        "username": db.user,
        "password": db.password,
        **extra,
    }
    return {"qName": "maria", "datasourceID": "mysql", "connectionProperties": props}


async def created(api: Api, db: Db) -> str:
    """A saved connection's id."""
    res = await api.client.post(URL, json=body(db), headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


async def test_browse_pages_with_links_next(api: Api, maria: Db) -> None:
    """limit=2 over seven tables: four pages linked by links.next, none skipped or repeated."""
    conn = await created(api, maria)
    names: list[str] = []
    url: str | None = f"{URL}/{conn}/browse?path={maria.schema}&limit=2"
    pages = 0
    while url:
        res = await api.client.get(url, headers=api.h(api.alice))
        assert res.status_code == 200, res.text
        data = res.json()
        assert len(data["data"]) <= 2
        names += [i["name"] for i in data["data"]]
        url = data["links"].get("next", {}).get("href")
        pages += 1
    assert names == sorted(sql_servers.TABLES)
    assert pages == 4


async def test_cursor_is_bound_to_its_path(api: Api, maria: Db) -> None:
    """A page cursor from one path is refused on another (400 DCAAS-1006)."""
    conn = await created(api, maria)
    res = await api.client.get(
        f"{URL}/{conn}/browse", params={"path": maria.schema, "limit": 2}, headers=api.h(api.alice)
    )
    page = res.json()["links"]["next"]["href"].split("page=")[1]
    res = await api.client.get(
        f"{URL}/{conn}/browse", params={"path": "", "page": page}, headers=api.h(api.alice)
    )
    assert_error(res, 400, "DCAAS-1006")


async def test_columns_and_preview(api: Api, maria: Db) -> None:
    """Columns carry dataType; preview gives rows; a missing table is 404 DCAAS-6008."""
    conn = await created(api, maria)
    res = await api.client.get(
        f"{URL}/{conn}/browse", params={"path": f"{maria.schema}/t1"}, headers=api.h(api.alice)
    )
    assert [(i["name"], i["extra"]["dataType"]) for i in res.json()["data"]] == [
        ("id", "int"),
        ("name", "text"),
    ]
    res = await api.client.get(
        f"{URL}/{conn}/preview", params={"path": f"{maria.schema}/t1"}, headers=api.h(api.alice)
    )
    assert res.status_code == 200, res.text
    assert res.json()["columns"] == ["id", "name"]
    assert res.json()["rows"] == [[1, "one"], [2, "two"], [3, "three"]]
    res = await api.client.get(
        f"{URL}/{conn}/preview", params={"path": f"{maria.schema}/nope"}, headers=api.h(api.alice)
    )
    assert assert_error(res, 404, "DCAAS-6008")["meta"]["failureClass"] == "fix-configuration"


async def test_wrong_password_and_secrets_stay_hidden(
    api: Api, maria: Db, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong password fails authenticate; neither password shows in answers or logs."""
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-sql-Cc4"
    res = await api.client.post(
        f"{URL}/actions/test", json=body(maria, password=wrong), headers=api.h(api.alice)
    )
    by = {s["name"]: s for s in res.json()["steps"]}
    assert by["authenticate"]["code"] == "DCAAS-6006"
    texts = [res.text]
    conn = await created(api, maria)
    patch = [{"op": "replace", "path": "/connectionProperties/password", "value": wrong}]
    res = await api.client.post(f"{URL}/{conn}/actions/test", json=patch, headers=api.h(api.alice))
    texts.append(res.text)
    assert res.json()["status"] == "failed"
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.alice))
    texts.append(res.text)
    assert res.json()["status"] == "passed", res.text
    for secret in (maria.password, wrong):
        assert all(secret not in t for t in texts)
        assert secret not in caplog.text
