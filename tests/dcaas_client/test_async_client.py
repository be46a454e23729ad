"""The async client: same surface as the sync one, and working against a real dcaas."""

from __future__ import annotations

import inspect
import uuid
from typing import TYPE_CHECKING

import pytest

from dcaas_client import (
    AsyncClient,
    Client,
    ConnectionCreated,
    NotFoundError,
    OrphanFilter,
    PropertiesConnectionCreate,
    SpaceCreate,
)

if TYPE_CHECKING:
    from tests.live import Live

NAMESPACES = (
    "connections",
    "legacy",
    "data_sources",
    "credentials",
    "spaces",
    "api_keys",
    "users",
)


def _public(obj: object) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def test_async_surface_matches_sync() -> None:
    """Every sync method has an async twin that is a coroutine or an async generator."""
    sync, asynch = Client("http://x", "t"), AsyncClient("http://x", "t")
    for name in NAMESPACES:
        left, right = getattr(sync, name), getattr(asynch, name)
        assert _public(left) == _public(right), name
        for method in _public(right):
            fn = getattr(right, method)
            assert inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn), method
    sync.close()


async def test_async_connection_lifecycle(live: Live) -> None:
    """Create, get, list and delete a connection with the async client."""
    name = f"async-{uuid.uuid4().hex[:8]}"
    async with AsyncClient(live.url, live.alice) as client:
        body = PropertiesConnectionCreate(
            qName=name, datasourceID="rest", connectionProperties={"url": "https://e.com"}
        )
        made = await client.connections.create(body)
        assert isinstance(made, ConnectionCreated)
        assert (await client.connections.get(made.qID)).qName == name
        page = await client.connections.list(filter=f'qName eq "{name}"')
        assert [c.qID for c in page.data] == [made.qID]
        await client.connections.delete(made.qID)
        with pytest.raises(NotFoundError):
            await client.connections.get(made.qID)


async def test_async_catalog_spaces_and_credentials(live: Live) -> None:
    """Data sources, spaces, credentials and (to an admin) orphans answer through the async
    client."""
    async with AsyncClient(live.url, live.alice) as client:
        assert "rest" in {s.dataSourceId for s in await client.data_sources.list()}
        assert (await client.data_sources.api_spec("rest")).required == ["url"]
        space = await client.spaces.create(SpaceCreate(name=f"as-{uuid.uuid4().hex[:6]}"))
        assert (await client.spaces.get(space.id)).name == space.name
        await client.spaces.delete(space.id)
        listed = [k.qID async for k in client.credentials.iter()]
        assert listed == [c.qID for c in (await client.credentials.list()).data]
    async with AsyncClient(live.url, live.admin) as admin:  # filter-orphan: admins (Qlik)
        assert isinstance(await admin.credentials.orphans(OrphanFilter()), list)


async def test_async_users_pages_me_and_get(live: Live) -> None:
    """users.iter follows links.next (limit 1), me is the caller, get finds by id."""
    async with AsyncClient(live.url, live.bob) as client:
        names = [u.name async for u in client.users.iter(limit=1)]
        assert names == ["admin", "alice", "bob"]
        me = await client.users.me()
        assert me.subject == "bob"
        assert (await client.users.get(me.id)).id == me.id
        page = await client.users.list(filter='subject eq "ALICE"', total=True)
        assert [u.subject for u in page.data] == ["alice"]
        assert page.totalResults == 1
        with pytest.raises(NotFoundError):
            await client.users.get("no-such-user")
