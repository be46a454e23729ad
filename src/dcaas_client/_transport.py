"""What the two transports share: building a request and following page links.

The transports themselves (:mod:`dcaas_client._async.transport` and its generated twin
:mod:`dcaas_client._sync.transport`) differ only in how they wait and do I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

    from dcaas_client._call import Call
    from dcaas_client.models.common import PageLinks

    AsyncSleep = Callable[[float], Awaitable[None]]
    SyncSleep = Callable[[float], None]


class Paged(Protocol):
    @property
    def links(self) -> PageLinks: ...


P = TypeVar("P", bound=Paged)


def build_request(http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
    return http.build_request(
        call.method,
        call.path,
        params=call.params or None,
        json=call.json,
        headers=dict(call.headers),
    )


def next_href(page: Paged, seen: set[str]) -> str | None:
    nxt = page.links.next.href if page.links.next else None
    if not nxt or nxt in seen:  # a repeated link would loop forever
        return None
    seen.add(nxt)
    return nxt
