"""One API call described as data: built once, sent by the sync or the async transport.

Request builders (``dcaas_client._calls``) return a :class:`Call`; the transports send it,
retry it and hand the answer to its parser. Nothing here does I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from dcaas_client.models.common import Etagged

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=Etagged)
Parser = Callable[[httpx.Response], T]


@dataclass(frozen=True)
class Call(Generic[T]):
    """What to send and how to read the answer."""

    method: str
    path: str
    parse: Parser[T]
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def follow(self, url: str) -> Call[T]:
        """The same call to another URL (a page link that already carries the query)."""
        return replace(self, path=url, params={})


def seg(value: str) -> str:
    """A path segment, percent-encoded (ids are opaque)."""
    return quote(value, safe="")


def query(**values: Any) -> dict[str, str]:
    """Query parameters: None left out, booleans as ``true``/``false``."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def create_headers(idempotency_key: str | None) -> dict[str, str]:
    """A create carries an Idempotency-Key, one per logical call, kept across its retries."""
    return {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}


def write_headers(if_match: str | None) -> dict[str, str]:
    """A PUT, PATCH or DELETE sends If-Match when the caller gives an ETag."""
    return {"If-Match": if_match} if if_match else {}


def model(cls: type[M]) -> Parser[M]:
    def parse(response: httpx.Response) -> M:
        return cls.model_validate(response.json())

    return parse


def etagged(cls: type[E]) -> Parser[E]:
    """A single resource, with the answer's ETag kept for a later ``if_match=``."""

    def parse(response: httpx.Response) -> E:
        found = cls.model_validate(response.json())
        found.etag = response.headers.get("ETag")
        return found

    return parse


def nothing(_: httpx.Response) -> None:
    return None
