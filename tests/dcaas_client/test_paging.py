"""Paging follows links.next across several pages, sync and async, over real HTTP."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from dcaas_client import AsyncClient, Client, PropertiesConnectionCreate

if TYPE_CHECKING:
    from tests.live import Live


class CountingTransport(httpx.HTTPTransport):
    """The real network transport, counting the requests it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return super().handle_request(request)


@pytest.fixture(scope="module")
def prefix(live: Live) -> str:
    """25 connections whose names share a prefix."""
    tag = f"page-{uuid.uuid4().hex[:6]}"
    with Client(live.url, live.bob) as bob:
        for i in range(25):
            bob.connections.create(
                PropertiesConnectionCreate(
                    qName=f"{tag}-{i:02}",
                    datasourceID="rest",
                    connectionProperties={"url": f"https://example.com/{i}"},
                )
            )
    return tag


def test_iter_walks_three_pages(live: Live, prefix: str) -> None:
    """limit=10 over 25 connections: three requests, 25 distinct connections in order."""
    counting = CountingTransport()
    with Client(live.url, live.bob, transport=counting) as bob:
        names = [c.qName for c in bob.connections.iter(limit=10, filter=f'qName sw "{prefix}"')]
    assert names == [f"{prefix}-{i:02}" for i in range(25)]
    assert len(counting.urls) == 3
    assert all("page=" in u for u in counting.urls[1:])


def test_first_page_has_next_link(live: Live, prefix: str) -> None:
    """list() returns one page with ten items and a next link."""
    with Client(live.url, live.bob) as bob:
        page = bob.connections.list(limit=10, filter=f'qName sw "{prefix}"', sort="-qName")
    assert next(c.qName for c in page.data) == f"{prefix}-24"
    assert len(page.data) == 10
    assert page.links.next is not None


async def test_async_iter_walks_all_pages(live: Live, prefix: str) -> None:
    """The async iterator yields the same 25 connections."""
    async with AsyncClient(live.url, live.bob) as bob:
        matching = bob.connections.iter(limit=10, filter=f'qName sw "{prefix}"')
        names = [c.qName async for c in matching]
    assert len(set(names)) == 25
    assert names == sorted(names)
