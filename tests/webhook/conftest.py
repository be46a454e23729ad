"""Fixtures of the webhook suites: a receiver on loopback and a worker driven by the test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.webhook.receiver import Receiver

from dcaas.webhook.worker import Worker

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


async def drain(worker: Worker, until: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run the worker's rounds until ``until()`` holds (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            pytest.fail("the deliveries did not arrive in time")
        if not await worker.run_once():
            await asyncio.sleep(0.05)
