"""Retry on 429/503 honouring Retry-After, bounded; Idempotency-Key kept across retries.

The answers come from the scripted starlette app in ``flaky.py`` on loopback (real HTTP),
because dcaas itself has no switch to answer 429 or 503 on demand.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import TYPE_CHECKING

import pytest
from tests.dcaas_client.flaky import Script, make_app
from tests.live import serve

from dcaas_client import (
    AsyncClient,
    Client,
    PropertiesConnectionCreate,
    RateLimitedError,
    RetryPolicy,
    ServiceUnavailableError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

BODY = PropertiesConnectionCreate(qName="n", datasourceID="rest", connectionProperties={})


@pytest.fixture
def flaky() -> Iterator[tuple[str, Script]]:
    script = Script()
    with serve(make_app(script)) as url:
        yield url, script


def _keys(script: Script) -> list[str]:
    return [s["headers"].get("idempotency-key", "") for s in script.seen]


def test_429_twice_then_created_waits_as_told(flaky: tuple[str, Script]) -> None:
    """Two 429s (Retry-After in seconds, then as an HTTP date) are waited out, then 201."""
    url, script = flaky
    script.answers = [
        (429, {"Retry-After": "1"}),
        (429, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}),
    ]
    with Client(url, "t") as client:
        made = client.connections.create(BODY)
    assert made.qName == "flaky"
    times = [s["at"] for s in script.seen]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9
    assert times[2] - times[1] >= 0.0


def test_idempotency_key_is_kept_across_retries_new_per_call(flaky: tuple[str, Script]) -> None:
    """The retries of one create carry the same Idempotency-Key; the next create a new one."""
    url, script = flaky
    script.answers = [(503, {"Retry-After": "0"}), (429, {"Retry-After": "0"})]
    with Client(url, "t") as client:
        client.connections.create(BODY)
        client.connections.create(BODY)
    keys = _keys(script)
    assert len(keys) == 4
    assert keys[0]
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_backoff_without_retry_after(flaky: tuple[str, Script]) -> None:
    """Without Retry-After, 503s are retried with a short exponential backoff."""
    url, script = flaky
    script.answers = [(503, {}), (503, {})]
    with Client(url, "t", retry=RetryPolicy(backoff=0.05)) as client:
        assert client.connections.list().data == []
    assert len(script.seen) == 3


def test_attempts_are_bounded(flaky: tuple[str, Script]) -> None:
    """After ``max_attempts`` answers of 429 the error is raised with the envelope."""
    url, script = flaky
    script.answers = [(429, {"Retry-After": "0"})] * 5
    with (
        Client(url, "t", retry=RetryPolicy(max_attempts=3)) as client,
        pytest.raises(RateLimitedError) as info,
    ):
        client.connections.list()
    assert len(script.seen) == 3
    assert info.value.code == "TEST-429"
    assert info.value.status == 429


def test_a_wait_beyond_the_budget_is_not_attempted(flaky: tuple[str, Script]) -> None:
    """A Retry-After longer than ``max_wait`` raises at once instead of sleeping."""
    url, script = flaky
    script.answers = [(503, {"Retry-After": "120"})]
    with (
        Client(url, "t", retry=RetryPolicy(max_wait=5)) as client,
        pytest.raises(ServiceUnavailableError),
    ):
        client.connections.delete("x")
    assert len(script.seen) == 1


def test_if_match_is_sent(flaky: tuple[str, Script]) -> None:
    """``if_match=`` becomes the If-Match header of a delete."""
    url, script = flaky
    with Client(url, "t") as client:
        client.connections.delete("x", if_match='"v1"')
    assert script.seen[0]["headers"]["if-match"] == '"v1"'


async def test_async_client_retries_429(flaky: tuple[str, Script]) -> None:
    """The async client retries a 429 the same way, with one Idempotency-Key."""
    url, script = flaky
    script.answers = [(429, {"Retry-After": "0"})]
    async with AsyncClient(url, "t") as client:
        made = await client.connections.create(BODY)
    assert made.qName == "flaky"
    keys = _keys(script)
    assert len(keys) == 2
    assert keys[0] == keys[1]
