# Generated from src/dcaas_client/_async/transport.py by scripts/unasync_sdk.py: do not edit.
# Change the async source and run `make sdk`.
"""The transport: send a :class:`Call`, retry 429/503, raise an error family.

Everything else (paths, bodies, parsers, retry timing) is shared; the synchronous twin is
generated from this module by ``scripts/unasync_sdk.py``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from dcaas_client._settings import same_origin
from dcaas_client._transport import P, build_request, next_href
from dcaas_client.errors import from_response, unreachable

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dcaas_client._call import Call
    from dcaas_client._retry import RetryPolicy
    from dcaas_client._transport import SyncSleep

T = TypeVar("T")


class SyncTransport:
    def __init__(
        self, http: httpx.Client, retry: RetryPolicy, sleep: SyncSleep = time.sleep
    ) -> None:
        self.http = http
        self.retry = retry
        self.sleep = sleep

    def send(self, call: Call[T]) -> T:
        return call.parse(self.exchange(call))

    def exchange(self, call: Call[Any]) -> httpx.Response:
        request = build_request(self.http, call)
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
        while (href := next_href(page, seen)) is not None:
            page = self.send(call.follow(same_origin(self.http.base_url, href)))
            yield page
