"""Fixtures of the webhook suites: a receiver on loopback and a worker driven by the test."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from tests.webhook.receiver import Receiver

from dcaas.webhook.worker import Worker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

RECEIVER_SECRET = "receiver-shared-secret-5d1e"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret=RECEIVER_SECRET).start()
    try:
        yield r
    finally:
        r.stop()


def worker_of(api: Any, name: str = "w1") -> Worker:
    state = api.app.state.dcaas
    return Worker(state.store, state.envelope, api.settings, name=name)


async def drain(worker: Worker, until: Callable[[], bool], seconds: float = 20.0) -> None:
    """Run the worker's rounds until ``until()`` holds (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            pytest.fail("the deliveries did not arrive in time")
        if not await worker.run_once():
            await asyncio.sleep(0.05)
