"""Inputs that no store can take are refused with 400/401, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import jwt
import pytest
from tests import sql_servers
from tests.conftest import (
    POSTGRES_URL,
    Api,
    _drop_pg,
    _fresh_pg_schema,
    _stores,
    assert_error,
    running_api,
)

from dcaas.kit import db

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

URL = "/api/v1/data-connections"

SECRET = "test-secret-test-secret-test-secret-0"


async def test_nul_in_body_is_refused(api: Api) -> None:
    """A NUL character anywhere in a JSON body is a 400, not a database error."""
    res = await api.client.post(
        "/api/v1/data-connections",
        headers=api.h(api.alice),
        json={
            "datasourceID": "rest",
            "qName": "a\u0000b",
            "connectionProperties": {"url": "https://e.com"},
        },
    )
    assert_error(res, 400, "DCAAS-1010")


async def test_nul_in_url_is_refused(api: Api) -> None:
    """A NUL in a path or query parameter is a 400 before it reaches a query."""
    res = await api.client.get("/api/v1/data-connections?spaceId=%00", headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-1004")
    res = await api.client.get(
        "/api/v1/data-connections/a%00?type=connectionname", headers=api.h(api.alice)
    )
    assert_error(res, 400, "DCAAS-1004")


async def test_overlong_data_source_id_and_qtype_are_refused(api: Api) -> None:
    """datasourceID and qType longer than the store keeps are a 400 naming the field."""
    body = {
        "qName": "c",
        "qType": "X" * 129,
        "datasourceID": "d" * 129,
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=X;"',
    }
    error = assert_error(
        await api.client.post("/api/v1/data-connections", headers=api.h(api.alice), json=body), 400
    )
    assert error["meta"]["field"] in ("qType", "datasourceID")


async def test_jwt_with_unusable_tenant_claim_is_refused(api: Api) -> None:
    """A signed token whose tenant claim is too long or holds NUL is a 401, not a 500."""
    for tenant in ("t" * 65, "a\u0000b", ""):
        token = jwt.encode(
            {"sub": "u", "tenantId": tenant, "exp": int(time.time()) + 60},
            SECRET,
            algorithm="HS256",
        )
        res = await api.client.get("/api/v1/data-sources", headers=api.h(token))
        assert_error(res, 401, "DCAAS-5002")


# -- bodies nested too deep, and text no store keeps ---------------------------------------
WRITES = [
    ("POST", "/api/v1/data-connections"),
    ("POST", "/api/v1/dcaas/actions/data-connections"),
    ("POST", "/api/v1/data-connections/actions/test"),
    ("POST", "/api/v1/spaces"),
    ("POST", "/api/v1/api-keys"),
]


def _nested(depth: int) -> bytes:
    return b'{"qName": ' + b"[" * depth + b"]" * depth + b"}"


async def _connection_count(api: Api) -> int:
    res = await api.client.get("/api/v1/data-connections", headers=api.h(api.admin))
    return int(res.json()["meta"]["count"])


async def test_json_nested_1000_levels_is_400(api: Api) -> None:
    """A 2 KB body nesting 1,000 arrays is 400 DCAAS-1020 on every write, changing nothing."""
    before = await _connection_count(api)
    for method, url in WRITES:
        res = await api.client.request(
            method,
            url,
            content=_nested(1000),
            headers={**api.h(api.admin), "Content-Type": "application/json"},
        )
        error = assert_error(res, 400, "DCAAS-1020")
        assert error["meta"]["maxDepth"] == 64
    assert await _connection_count(api) == before


async def test_depth_limit_is_64_levels(api: Api) -> None:
    """64 levels reach validation (another 400); 65 are refused as too deep."""
    headers = {**api.h(api.admin), "Content-Type": "application/json"}
    url = "/api/v1/data-connections"
    at_limit = await api.client.post(url, content=_nested(63), headers=headers)
    assert at_limit.status_code == 400
    assert at_limit.json()["errors"][0]["code"] != "DCAAS-1020"
    assert_error(
        await api.client.post(url, content=_nested(64), headers=headers), 400, "DCAAS-1020"
    )


async def test_lone_surrogate_in_body_is_refused(api: Api) -> None:
    """A lone UTF-16 surrogate in a JSON string is 400 DCAAS-1010, not a store error."""
    body = b'{"datasourceID": "rest", "qName": "a\\ud800b", "connectionProperties": {"url": "https://e.com"}}'
    res = await api.client.post(
        "/api/v1/data-connections",
        content=body,
        headers={**api.h(api.alice), "Content-Type": "application/json"},
    )
    assert_error(res, 400, "DCAAS-1010")
    assert await _connection_count(api) == 0


# -- forged page cursors ---------------------------------------------------------------------
def _cursor(href: str) -> dict[str, Any]:
    token = parse_qs(urlsplit(href).query)["page"][0]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def _forge(cursor: dict[str, Any]) -> str:
    raw = json.dumps(cursor).encode()  # ensure_ascii: "\ud800" travels as an escape
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("bad", ["a\u0000b", "a\ud800b"])
@pytest.mark.parametrize("member", ["v", "i"])
async def test_forged_cursor_with_unstorable_text_is_400(api: Api, bad: str, member: str) -> None:
    """A cursor whose sort value or id holds NUL or a lone surrogate is 400 DCAAS-1006."""
    for name in ("one", "two"):
        body = {
            "qName": name,
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://e.x"},
        }
        assert (await api.client.post(URL, json=body, headers=api.h(api.alice))).status_code == 201
    first = await api.client.get(URL, params={"limit": 1}, headers=api.h(api.alice))
    cursor = _cursor(first.json()["links"]["next"]["href"])
    cursor[member] = bad
    res = await api.client.get(
        URL, params={"limit": 1, "page": _forge(cursor)}, headers=api.h(api.alice)
    )
    assert_error(res, 400, "DCAAS-1006")


# -- the connection pool running out ---------------------------------------------------------
@pytest.mark.parametrize("store", _stores())
async def test_pool_exhaustion_is_503_with_retry_after(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pooled connection free within the pool timeout: 503 DCAAS-8004 with Retry-After."""
    pool = db._POSTGRES_POOL if store == "postgresql" else db._SQLITE_READERS
    monkeypatch.setitem(pool, "pool_size", 1)
    monkeypatch.setitem(pool, "pool_timeout", 0.2)
    async with running_api(store, tmp_path) as api:
        state = api.app.state.dcaas  # type: ignore[attr-defined]
        await api.client.get(URL, headers=api.h(api.alice))  # the caller is cached
        async with state.store.reader.connect():  # the reading pool's one connection, held
            res = await api.client.get(URL, headers=api.h(api.alice))
        assert_error(res, 503, "DCAAS-8004")
        assert res.headers["Retry-After"] == "1"
        assert (await api.client.get(URL, headers=api.h(api.alice))).status_code == 200


# -- SQL names the drivers' placeholder styles would rewrite ---------------------------------
ODD_TABLES = ["a%b", "q?x", "p%s?"]


@pytest.fixture(scope="module")
def odd_maria() -> Iterator[sql_servers.Db]:
    """A MariaDB database holding tables named a%b, q?x and p%s? with one row each."""
    with sql_servers.mariadb_account() as db:
        statements = []
        for name in ODD_TABLES:
            statements += [
                f"CREATE TABLE `{name}` (id int)",
                f"INSERT INTO `{name}` VALUES (7)",  # noqa: S608 - the test's constant names
            ]
        asyncio.run(sql_servers._maria(statements, db.database))
        yield db


@pytest.fixture
async def odd_postgres() -> AsyncIterator[str]:
    """A database on the local PostgreSQL with the same tables in schema public."""
    if not POSTGRES_URL:
        pytest.skip("DCAAS_TEST_POSTGRES_URL is not set")
    url = await _fresh_pg_schema(POSTGRES_URL)
    conn = await asyncpg.connect(url)
    for name in ODD_TABLES:
        create = f'CREATE TABLE "{name}" (id int); INSERT INTO "{name}" VALUES (7)'  # noqa: S608 - constants
        await conn.execute(create)
    await conn.close()
    yield url.rsplit("/", 1)[1]
    await _drop_pg(POSTGRES_URL, url)


async def _previews(api: Api, body: dict[str, Any], schema: str) -> dict[str, Any]:
    """Each odd table's preview answer, found through browse as a client would."""
    made = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert made.status_code == 201, made.text
    conn = f"{URL}/{made.json()['qID']}"
    listed = await api.client.get(
        f"{conn}/browse", params={"path": schema}, headers=api.h(api.alice)
    )
    assert listed.status_code == 200, listed.text
    paths = {e["name"]: e["path"] for e in listed.json()["data"]}
    return {
        name: await api.client.get(
            f"{conn}/preview", params={"path": paths[name]}, headers=api.h(api.alice)
        )
        for name in ODD_TABLES
    }


@pytest.mark.settings(outbound_allow="127.0.0.1/32")
async def test_mysql_preview_of_tables_named_with_placeholders(
    api: Api, odd_maria: sql_servers.Db
) -> None:
    """MariaDB tables named a%b, q?x and p%s? preview their row (names are not rewritten)."""
    props = {
        "host": "127.0.0.1",
        "port": odd_maria.port,
        "database": odd_maria.database,
        "username": odd_maria.user,
        "password": odd_maria.password,
        "sslMode": "disable",
    }
    body = {"qName": "odd", "datasourceID": "mysql", "connectionProperties": props}
    for name, res in (await _previews(api, body, odd_maria.database)).items():
        assert res.status_code == 200, (name, res.text)
        assert res.json()["rows"] == [[7]]


@pytest.mark.settings(outbound_allow="127.0.0.1/32")
async def test_postgres_preview_of_tables_named_with_placeholders(
    api: Api, odd_postgres: str
) -> None:
    """The same names on PostgreSQL ($n placeholders) preview their row too."""
    props = {
        "host": "127.0.0.1",
        "port": 5432,
        "database": odd_postgres,
        "username": "postgres",
        "sslMode": "disable",
    }
    body = {"qName": "odd", "datasourceID": "postgresql", "connectionProperties": props}
    for name, res in (await _previews(api, body, "public")).items():
        assert res.status_code == 200, (name, res.text)
        assert res.json()["rows"] == [[7]]


async def test_patch_remove_of_a_missing_member_is_400_and_changes_nothing(api: Api) -> None:
    """RFC 6902: remove of a property the connection lacks is 400 DCAAS-1007; ETag unchanged."""
    body = {"qName": "p", "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
    made = await api.client.post(URL, json=body, headers=api.h(api.alice))
    conn = f"{URL}/{made.json()['qID']}"
    before = (await api.client.get(conn, headers=api.h(api.alice))).headers["ETag"]
    ops = [
        {"op": "replace", "path": "/qName", "value": "renamed"},
        {"op": "remove", "path": "/connectionProperties/notThere"},
    ]
    assert_error(
        await api.client.patch(conn, json=ops, headers=api.h(api.alice)), 400, "DCAAS-1007"
    )
    after = await api.client.get(conn, headers=api.h(api.alice))
    assert (after.headers["ETag"], after.json()["qName"]) == (before, "p")
