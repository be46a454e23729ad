"""The request's unit of work: declared by every route, committed before the answer leaves,
and never holding a lock or a connection while dcaas calls the outside world."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from dcaas.bootstrap import create_key
from dcaas.connection.models import Connection
from dcaas.deps import Read, Write  # noqa: TC001 - FastAPI reads the annotations
from dcaas.unit_of_work import Kind, RouteWithoutUnitOfWork, UnitOfWorkRoute

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.conftest import Api

URL = "/api/v1/data-connections"


async def test_a_created_connection_is_committed_when_the_201_starts(api: Api) -> None:
    """At the moment the response starts, another session already sees the new row."""
    app: Any = api.app
    state = app.state.dcaas
    seen: list[int] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        async def watching_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                async with state.sessions() as other:
                    seen.append(await other.scalar(select(func.count()).select_from(Connection)))
            await send(message)

        await app(scope, receive, watching_send)

    import httpx  # noqa: PLC0415

    transport = httpx.ASGITransport(app=inner)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        created = await client.post(
            "/api/v1/data-connections",
            headers=api.h(api.alice),
            json={
                "dataSourceId": "rest",
                "qName": "durable",
                "connectionProperties": {"url": "https://example.com"},
            },
        )
    assert created.status_code == 201, created.text
    assert seen == [1]


# -- every route declares its kind ------------------------------------------------------------

# Routes that call a data source, an OAuth provider's token endpoint or anything else over the
# network (the create and the PATCH finish an OAuth authorization when given a code).
CALLS_OUT = {
    ("POST", "/api/v1/data-connections/actions/test"),
    ("POST", "/api/v1/data-connections/{qID}/actions/test"),
    ("GET", "/api/v1/data-connections/{qID}/browse"),
    ("GET", "/api/v1/data-connections/{qID}/preview"),
    ("GET", "/api/v1/oauth/callback"),
    ("POST", "/api/v1/data-connections"),
    ("POST", "/api/v1/dcaas/actions/data-connections"),
    ("PATCH", "/api/v1/data-connections/{qID}"),
    ("GET", "/api/v1/console/oidc/callback"),  # the identity provider's token endpoint
    ("POST", "/api/v1/data-sources/endpoints/actions/filter"),  # an OAuth token refresh
    # a webhook's URL host is resolved through the outbound policy before it is stored
    ("POST", "/api/v1/webhooks"),
    ("PUT", "/api/v1/webhooks/{id}"),
    ("PATCH", "/api/v1/webhooks/{id}"),
}


def _api_routes(api: Api) -> list[APIRoute]:
    app: Any = api.app
    return [r for r in app.routes if isinstance(r, APIRoute)]


async def test_every_route_declares_exactly_one_unit_of_work(api: Api) -> None:
    """Each API route is a UnitOfWorkRoute with one kind; reads do not write, writes do not GET."""
    routes = _api_routes(api)
    assert len(routes) > 30
    for route in routes:
        assert isinstance(route, UnitOfWorkRoute), route.path
        methods = route.methods or set()
        if route.unit_of_work is Kind.READ:
            assert methods <= {"GET", "HEAD"}, route.path
        if route.unit_of_work is Kind.WRITE:
            assert not methods & {"GET", "HEAD"}, route.path


async def test_routes_that_call_out_declare_it(api: Api) -> None:
    """The routes that call a source or a provider are CallsOut, and no others are."""
    declared = {
        (method, route.path)
        for route in _api_routes(api)
        for method in route.methods or ()
        if route.unit_of_work is Kind.CALLS_OUT
    }
    assert declared == CALLS_OUT


def test_a_route_without_a_unit_of_work_is_refused() -> None:
    """Declaring a route with no kind, or with two, fails when the route is built."""
    router = APIRouter(route_class=UnitOfWorkRoute)

    async def nothing() -> None:
        return None

    async def both(db: Read, other: Write) -> None:
        return None

    with pytest.raises(RouteWithoutUnitOfWork):
        router.add_api_route("/nothing", nothing)
    with pytest.raises(RouteWithoutUnitOfWork):
        router.add_api_route("/both", both)


async def test_a_read_unit_of_work_cannot_write(api: Api) -> None:
    """The reading pool's connections refuse writes (SQLite query_only, PostgreSQL read-only)."""
    store = api.app.state.dcaas.store  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError):
        async with store.read() as session:
            await session.execute(update(Connection).values(name="x"))


# -- nothing is held while dcaas calls out ------------------------------------------------------


@pytest.fixture
def _reachable_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("DCAAS_CONNECTOR_TOTAL_TIMEOUT", "10")


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that accepts and answers only when told to. On each
    connection it records how many database connections the app holds at that moment."""

    url: str = ""
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    held: list[int] = field(default_factory=list)


def checked_out(api: Api) -> int:
    """Database connections the app holds now, in both pools."""
    store = api.app.state.dcaas.store  # type: ignore[attr-defined]
    return int(store.writer.sync_engine.pool.checkedout()) + int(
        store.reader.sync_engine.pool.checkedout()
    )


@asynccontextmanager
async def listening(api: Api, *, answer_at_once: bool) -> AsyncIterator[Listener]:
    listener = Listener()
    if answer_at_once:
        listener.release.set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener.held.append(checked_out(api))
        listener.reached.set()
        await listener.release.wait()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: 2\r\nConnection: close\r\n\r\n[]")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    listener.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/items"
    try:
        yield listener
    finally:
        listener.release.set()
        server.close()


def rest(url: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"qName": name, "datasourceID": "rest", "connectionProperties": {"url": url, **extra}}


async def _made(api: Api, body: dict[str, Any]) -> str:
    created = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    return str(created.json()["qID"])


@pytest.mark.usefixtures("_reachable_loopback")
async def test_a_hung_connector_test_holds_no_lock(api: Api) -> None:
    """While a connection test hangs on a listener, a create completes (the test still runs)."""
    async with listening(api, answer_at_once=False) as hung:
        saved = await _made(api, rest(hung.url, "hung"))
        probe = asyncio.create_task(
            api.client.post(f"{URL}/{saved}/actions/test", headers=api.h(api.alice))
        )
        await hung.reached.wait()  # the connector is in its call
        created = await api.client.post(
            URL, json=rest(hung.url, "meanwhile"), headers=api.h(api.bob)
        )
        assert created.status_code == 201, created.text
        assert not probe.done()
        hung.release.set()
        answer = await probe
    assert answer.status_code == 200, answer.text


PROBES = {
    "definition test": ("POST", "/actions/test", "body"),
    "saved test": ("POST", "/{id}/actions/test", None),
    "test of a patch": ("POST", "/{id}/actions/test", "patch"),
    "browse": ("GET", "/{id}/browse", None),
    "preview": ("GET", "/{id}/preview", None),
}


@pytest.mark.usefixtures("_reachable_loopback")
@pytest.mark.parametrize("probe", list(PROBES))
async def test_no_connection_is_held_while_a_connector_runs(api: Api, probe: str) -> None:
    """When the connector reaches the source, the request holds no database connection."""
    method, path, body = PROBES[probe]
    async with listening(api, answer_at_once=True) as source:
        saved = await _made(
            api, rest(source.url, "probed", authSchema="basic", username="u", password="p")
        )
        content: Any = None
        if body == "body":
            content = rest(source.url, "unsaved")
        elif body == "patch":
            content = [{"op": "replace", "path": "/connectionProperties/password", "value": "q"}]
        answer = await api.client.request(
            method, URL + path.format(id=saved), json=content, headers=api.h(api.alice)
        )
        assert answer.status_code < 500, answer.text
    assert source.held, "the connector never reached the listener"
    assert set(source.held) == {0}


@pytest.mark.usefixtures("_reachable_loopback")
@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "add", "path": "/connectionProperties/queryParameters", "value": []}],
        [
            {"op": "add", "path": "/connectionProperties/authSchema", "value": "basic"},
            {"op": "add", "path": "/connectionProperties/username", "value": "u"},
            {"op": "add", "path": "/connectionProperties/password", "value": "p"},
        ],
    ],
    ids=["public property", "new credential"],
)
async def test_a_patch_test_with_a_never_used_key_answers(api: Api, patch: list[Any]) -> None:
    """A test with a JSON Patch body, by a key never used before (nothing cached), answers
    200 with its steps: the patch is applied in the request's own unit of work."""
    state: Any = api.app.state.dcaas  # type: ignore[attr-defined]
    fresh = (await create_key(state.sessions, tenant="acme", user="alice", admin=False)).token
    async with listening(api, answer_at_once=True) as source:
        saved = await _made(api, rest(source.url, "patched"))
        answer = await api.client.post(
            f"{URL}/{saved}/actions/test", json=patch, headers=api.h(fresh)
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["steps"], answer.text


# -- a key provider is never called inside a write transaction ---------------------------------


class RecordingProvider:
    """The app's own key provider, noting whether a write transaction holds a connection
    whenever it is asked to wrap or unwrap (a remote KMS would be called there)."""

    def __init__(self, inner: Any, api: Api) -> None:
        self.inner = inner
        self.api = api
        self.writer_held: list[int] = []

    def _note(self) -> None:
        store = self.api.app.state.dcaas.store  # type: ignore[attr-defined]
        self.writer_held.append(int(store.writer.sync_engine.pool.checkedout()))

    def wrap(self, dek: bytes, *, aad: bytes) -> tuple[str, bytes]:
        self._note()
        return self.inner.wrap(dek, aad=aad)  # type: ignore[no-any-return]

    def unwrap(self, key_id: str, wrapped: bytes, *, aad: bytes) -> bytes:
        self._note()
        return self.inner.unwrap(key_id, wrapped, aad=aad)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_no_key_provider_call_inside_a_write_transaction(api: Api) -> None:
    """Creates, a PATCH, a PUT, a copy and an Idempotency-Key create seal and open secrets
    with no write transaction open (with a remote KMS, no transaction waits on it)."""
    envelope = api.app.state.dcaas.envelope  # type: ignore[attr-defined]
    recording = RecordingProvider(envelope.provider, api)
    envelope.provider = recording
    h = api.h(api.alice)
    props = await _made(
        api, rest("https://example.com/a", "props", authSchema="basic", username="u", password="p")
    )
    statement = {
        "qName": "stmt",
        "qType": "QvRestConnector.exe",
        "datasourceID": "rest",
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://e.com;"',
        "qUsername": "u",
        "qPassword": "p",
        "qConnectionSecret": "s",
    }
    made = await api.client.post(URL, json=statement, headers=h)
    assert made.status_code == 201, made.text
    stmt = made.json()["qID"]
    patched = await api.client.patch(
        f"{URL}/{props}",
        json=[{"op": "replace", "path": "/connectionProperties/password", "value": "q"}],
        headers=h,
    )
    assert patched.status_code == 204, patched.text
    put = await api.client.put(
        f"{URL}/{stmt}",
        json={**statement, "qID": stmt, "qEngineObjectID": stmt, "qPassword": "r"},
        headers=h,
    )
    assert put.status_code == 204, put.text
    copied = await api.client.post(f"{URL}/actions/duplicate", json={"id": props}, headers=h)
    assert copied.status_code == 201, copied.text
    keyed = await api.client.post(
        URL,
        json=rest("https://example.com/b", "keyed", authSchema="basic", username="u", password="p"),
        headers={**h, "Idempotency-Key": "kms-1"},
    )
    assert keyed.status_code == 201, keyed.text
    assert len(recording.writer_held) >= 8
    assert set(recording.writer_held) == {0}
