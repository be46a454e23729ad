"""The two thin transports: send a :class:`Call`, retry 429/503, raise an error family.

Everything else (paths, bodies, parsers, retry timing) is shared; only the waiting and
the I/O differ between :class:`SyncTransport` and :class:`AsyncTransport`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from dcaas_client._settings import same_origin
from dcaas_client.errors import from_response, unreachable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

    from dcaas_client._call import Call
    from dcaas_client._retry import RetryPolicy
    from dcaas_client.models.common import PageLinks

T = TypeVar("T")


class Paged(Protocol):
    @property
    def links(self) -> PageLinks: ...


P = TypeVar("P", bound=Paged)


def _request(http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
    return http.build_request(
        call.method,
        call.path,
        params=call.params or None,
        json=call.json,
        headers=dict(call.headers),
    )


def _next_href(page: Paged, seen: set[str]) -> str | None:
    nxt = page.links.next.href if page.links.next else None
    if not nxt or nxt in seen:  # a repeated link would loop forever
        return None
    seen.add(nxt)
    return nxt


class SyncTransport:
    def __init__(
        self, http: httpx.Client, retry: RetryPolicy, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.http = http
        self.retry = retry
        self.sleep = sleep

    def send(self, call: Call[T]) -> T:
        return call.parse(self.exchange(call))

    def exchange(self, call: Call[Any]) -> httpx.Response:
        request = _request(self.http, call)
        attempt, waited = 1, 0.0
        while True:
            try:
                response = self.http.send(request)
            except httpx.TransportError as exc:
                raise unreachable(exc, str(request.url)) from exc
            delay = self.retry.delay(response, attempt, waited)
            if delay is None:
                break
            response.close()
            self.sleep(delay)
            waited, attempt = waited + delay, attempt + 1
        if response.is_error:
            raise from_response(response)
        return response

    def pages(self, call: Call[P]) -> Iterator[P]:
        """Each page in turn, following ``links.next`` until there is none."""
        page, seen = self.send(call), set[str]()
        yield page
        while (href := _next_href(page, seen)) is not None:
            page = self.send(call.follow(same_origin(self.http.base_url, href)))
            yield page


class AsyncTransport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.retry = retry
        self.sleep = sleep

    async def send(self, call: Call[T]) -> T:
        return call.parse(await self.exchange(call))

    async def exchange(self, call: Call[Any]) -> httpx.Response:
        request = _request(self.http, call)
        attempt, waited = 1, 0.0
        while True:
            try:
                response = await self.http.send(request)
            except httpx.TransportError as exc:
                raise unreachable(exc, str(request.url)) from exc
            delay = self.retry.delay(response, attempt, waited)
            if delay is None:
                break
            await response.aclose()
            await self.sleep(delay)
            waited, attempt = waited + delay, attempt + 1
        if response.is_error:
            raise from_response(response)
        return response

    async def pages(self, call: Call[P]) -> AsyncIterator[P]:
        """Each page in turn, following ``links.next`` until there is none."""
        page, seen = await self.send(call), set[str]()
        yield page
        while (href := _next_href(page, seen)) is not None:
            page = await self.send(call.follow(same_origin(self.http.base_url, href)))
            yield page
