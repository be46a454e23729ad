"""A commit that enqueues deliveries wakes the server's own worker: no wait for the poll."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
from tests.live import live_dcaas
from tests.webhook.conftest import RECEIVER_SECRET

if TYPE_CHECKING:
    from pathlib import Path

    from tests.webhook.receiver import Receiver


def test_a_committed_event_is_sent_without_waiting_for_the_poll(
    tmp_path: Path, receiver: Receiver
) -> None:
    """With a one-hour poll interval, a created connection still arrives within seconds."""
    settings = {"outbound_allow": "127.0.0.1/32", "webhook_poll_seconds": 3600}
    with live_dcaas(tmp_path, **settings) as live:
        h = {"Authorization": f"Bearer {live.admin}"}
        hook = {
            "name": "ops",
            "url": receiver.url,
            "eventTypes": ["com.qlik.v1.data-connection.created"],
            "secret": RECEIVER_SECRET,
        }
        assert httpx.post(live.url + "/api/v1/webhooks", json=hook, headers=h).status_code == 201
        time.sleep(0.5)  # the worker's first round has run; it now idles for an hour
        body = {
            "qName": "now",
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://e.com"},
        }
        res = httpx.post(live.url + "/api/v1/data-connections", json=body, headers=h)
        assert res.status_code == 201
        deadline = time.monotonic() + 5
        while not receiver.received:
            assert time.monotonic() < deadline, "the worker was not woken by the commit"
            time.sleep(0.05)
    assert receiver.received[0].signed
