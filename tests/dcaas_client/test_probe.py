"""Test, browse and preview through the SDK, over HTTP, against real REST and MariaDB sources."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from tests import rest_server, sql_servers
from tests.live import Live, live_dcaas
from tests.rest_server import TOKEN

from dcaas_client import (
    AsyncClient,
    BadRequestError,
    Client,
    ConnectionCreated,
    NotFoundError,
    PatchOp,
    PropertiesConnectionCreate,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sql_servers import Db

STEPS = ["resolve-host", "connect", "authenticate", "authorize", "reach-endpoint"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """dcaas whose connectors may reach 127.0.0.1 (where the test sources listen)."""
    with live_dcaas(
        tmp_path_factory.mktemp("dcaas"), outbound_allow="127.0.0.1/32", connector_total_timeout=5.0
    ) as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


@pytest.fixture(scope="module")
def maria() -> Iterator[Db]:
    with sql_servers.mariadb_account() as db:
        yield db


@pytest.fixture
def alice(live: Live) -> Iterator[Client]:
    with Client(live.url, live.alice) as client:
        yield client


def bearer(http: rest_server.Server, token: str = TOKEN) -> PropertiesConnectionCreate:
    """A bearer-token REST definition for the local server's /bearer/items."""
    props = {"url": http.base + "/bearer/items", "authSchema": "bearer", "bearerToken": token}
    return PropertiesConnectionCreate(
        qName=f"rest-{uuid.uuid4().hex[:8]}", datasourceID="rest", connectionProperties=props
    )


def mysql(db: Db) -> PropertiesConnectionCreate:
    props: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": db.port,
        "database": db.database,
        "username": db.user,
        "password": db.password,
    }
    return PropertiesConnectionCreate(
        qName=f"maria-{uuid.uuid4().hex[:8]}", datasourceID="mysql", connectionProperties=props
    )


def saved(client: Client, body: PropertiesConnectionCreate) -> str:
    made = client.connections.create(body)
    assert isinstance(made, ConnectionCreated)
    return made.qID


def test_definition_passes(alice: Client, http: rest_server.Server) -> None:
    """An unsaved definition passes every step, with no code or detail, and stores nothing."""
    before = alice.connections.list(limit=100).meta
    result = alice.connections.test_new(bearer(http))
    assert result.passed
    assert result.status == "passed"
    assert [(s.name, s.status) for s in result.steps] == [(n, "passed") for n in STEPS]
    assert all(s.code is None and s.detail is None and s.elapsedMs >= 0 for s in result.steps)
    assert alice.connections.list(limit=100).meta == before


def test_wrong_token_fails_at_authenticate(alice: Client, http: rest_server.Server) -> None:
    """A wrong bearer token fails the authenticate step with DCAAS-6006, then skips the rest."""
    result = alice.connections.test_new(bearer(http, TOKEN + "-bad"))
    assert not result.passed
    assert result.status == "failed"
    by_name = {s.name: s for s in result.steps}
    failed = by_name["authenticate"]
    assert (failed.status, failed.code, failed.failureClass) == (
        "failed",
        "DCAAS-6006",
        "fix-credentials",
    )
    assert failed.detail
    assert by_name["connect"].status == "passed"
    assert {by_name[n].status for n in ("authorize", "reach-endpoint")} == {"skipped"}
    assert TOKEN not in result.model_dump_json()


def test_saved_and_patched(alice: Client, http: rest_server.Server) -> None:
    """A saved connection with a bad token fails; the patch fixing it passes; nothing changes."""
    qid = saved(alice, bearer(http, TOKEN + "-bad"))
    assert alice.connections.test(qid).status == "failed"
    fix = [PatchOp(op="replace", path="/connectionProperties/bearerToken", value=TOKEN)]
    assert alice.connections.test(qid, fix).passed
    assert alice.connections.test(qid, []).status == "failed"  # an empty patch: the saved one
    assert alice.connections.test(qid).status == "failed"  # the patch was for the test only
    alice.connections.patch(qid, fix)
    assert alice.connections.test(qid).passed


def test_rest_browse_and_preview(alice: Client, http: rest_server.Server) -> None:
    """A REST connection browses to its endpoint; preview reads the JSON array's rows."""
    qid = saved(alice, bearer(http))
    page = alice.connections.browse(qid)
    assert [(e.name, e.type) for e in page.data] == [("items", "endpoint")]
    assert page.links.next is None
    shown = alice.connections.preview(qid, "", limit=2)
    assert (shown.kind, shown.rows, shown.truncated) == ("rows", [[1, "alpha"], [2, "beta"]], True)
    assert shown.columns == ["id", "name"]
    assert shown.bytesRead > 0
    assert shown.content is None


def test_browse_pages_across_tables(alice: Client, maria: Db) -> None:
    """limit=2 over seven tables: the first page links on; iter_browse follows every page."""
    qid = saved(alice, mysql(maria))
    schemas = [e.name for e in alice.connections.iter_browse(qid)]
    assert maria.schema in schemas
    first = alice.connections.browse(qid, maria.schema, limit=2)
    assert len(first.data) == 2
    assert first.links.next is not None
    assert "page=" in str(first.links.next.href)
    names = [e.name for e in alice.connections.iter_browse(qid, maria.schema, limit=2)]
    assert names == sorted(sql_servers.TABLES)
    columns = alice.connections.browse(qid, f"{maria.schema}/t1").data
    assert [(c.name, c.type) for c in columns][:2] == [("id", "column"), ("name", "column")]
    assert columns[0].extra is not None
    assert "dataType" in columns[0].extra


def test_preview_table(alice: Client, maria: Db) -> None:
    """Preview of a MariaDB table answers its columns and first rows."""
    qid = saved(alice, mysql(maria))
    shown = alice.connections.preview(qid, f"{maria.schema}/t1", limit=2)
    assert shown.kind == "rows"
    assert shown.path == f"{maria.schema}/t1"
    assert shown.columns == ["id", "name"]
    assert shown.rows == [[1, "one"], [2, "two"]]
    assert shown.truncated is True


def test_probe_failures_raise(alice: Client, http: rest_server.Server, maria: Db) -> None:
    """Browse of a missing table is NotFoundError DCAAS-6008; a bad token's preview is 400."""
    qid = saved(alice, mysql(maria))
    with pytest.raises(NotFoundError) as missing:
        alice.connections.browse(qid, f"{maria.schema}/no_such_table")
    assert missing.value.code == "DCAAS-6008"
    bad = saved(alice, bearer(http, TOKEN + "-bad"))
    with pytest.raises(BadRequestError) as refused:
        alice.connections.preview(bad, "")
    assert (refused.value.code, refused.value.meta["failureClass"]) == (
        "DCAAS-6006",
        "fix-credentials",
    )


async def test_async_test_browse_preview(live: Live, http: rest_server.Server, maria: Db) -> None:
    """The async client tests, pages through a browse and previews, like the sync one."""
    async with AsyncClient(live.url, live.alice) as client:
        assert (await client.connections.test_new(bearer(http))).passed
        made = await client.connections.create(mysql(maria))
        assert isinstance(made, ConnectionCreated)
        result = await client.connections.test(made.qID)
        assert result.passed, result.steps
        names = [
            e.name async for e in client.connections.iter_browse(made.qID, maria.schema, limit=2)
        ]
        assert names == sorted(sql_servers.TABLES)
        shown = await client.connections.preview(made.qID, f"{maria.schema}/t1")
        assert shown.rows == [[1, "one"], [2, "two"], [3, "three"]]
        assert not shown.truncated
