"""Two replicas' workers on one PostgreSQL outbox: the work is shared, no attempt is sent
twice at once, and each object's events still arrive in order."""

from __future__ import annotations

import asyncio

import pytest
from tests.webhook.conftest import RECEIVER_SECRET
from tests.webhook.test_delivery import UPDATED, _event, _tenant_of, _webhook

from dcaas.kit.db import Store
from dcaas.webhook.outbox import enqueue
from dcaas.webhook.worker import Worker


@pytest.mark.settings(outbound_allow="127.0.0.1/32", webhook_poll_seconds=0.05)
async def test_two_workers_share_the_outbox_without_sending_an_attempt_twice(api, receiver) -> None:
    """40 events over 8 connections, a slow receiver, two workers on their own pools (as two
    replicas): every event arrives once, none in flight twice, each connection's in order."""
    if api.settings.is_sqlite:
        pytest.skip("on SQLite one in-process worker delivers; replicas need PostgreSQL")
    assert RECEIVER_SECRET
    await _webhook(api, receiver, eventTypes=[UPDATED])
    receiver.delay = 0.05
    tenant = await _tenant_of(api)
    state = api.app.state.dcaas
    sent: dict[str, list[str]] = {f"c{i}": [] for i in range(8)}
    for n in range(5):
        async with state.store.write() as db:
            for obj, ids in sent.items():
                event = _event(tenant, obj, n)
                await enqueue(db, event)
                ids.append(event.id)
    stores = [Store.open(api.settings.async_database_url) for _ in range(2)]
    workers = [
        Worker(store, state.envelope, api.settings, name=f"replica{i}")
        for i, store in enumerate(stores)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        async with asyncio.timeout(60):
            while len(receiver.received) < 40:  # noqa: ASYNC110 - the receiver runs in threads
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for store in stores:
            await store.dispose()
    assert receiver.overlaps == []
    assert sorted(receiver.ids()) == sorted(i for ids in sent.values() for i in ids)
    for obj, ids in sent.items():
        got = [
            r.event_id
            for r in receiver.received
            if r.body["extensions"]["topLevelResourceId"] == obj
        ]
        assert got == ids
    assert all(w.sent > 0 for w in workers), [w.sent for w in workers]
