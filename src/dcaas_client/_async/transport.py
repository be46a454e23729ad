"""The transport: send a :class:`Call`, retry 429/503, raise an error family.

Everything else (paths, bodies, parsers, retry timing) is shared; the synchronous twin is
generated from this module by ``scripts/unasync_sdk.py``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from dcaas_client._settings import same_origin
from dcaas_client._transport import P, build_request, next_href
from dcaas_client.errors import from_response, unreachable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from dcaas_client._call import Call
    from dcaas_client._retry import RetryPolicy
    from dcaas_client._transport import AsyncSleep

T = TypeVar("T")


class AsyncTransport:
    def __init__(
        self, http: httpx.AsyncClient, retry: RetryPolicy, sleep: AsyncSleep = asyncio.sleep
    ) -> None:
        self.http = http
        self.retry = retry
        self.sleep = sleep

    async def send(self, call: Call[T]) -> T:
        return call.parse(await self.exchange(call))

    async def exchange(self, call: Call[Any]) -> httpx.Response:
        request = build_request(self.http, call)
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
        while (href := next_href(page, seen)) is not None:
            page = await self.send(call.follow(same_origin(self.http.base_url, href)))
            yield page
