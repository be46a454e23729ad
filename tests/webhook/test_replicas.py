"""Two replicas on one PostgreSQL outbox (two worker loops on their own pools; two
``dcaas serve`` processes): the work is shared, no attempt is sent twice at once, and each
object's events still arrive in order."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _drop_pg, _fresh_pg_schema
from tests.webhook.conftest import RECEIVER_SECRET
from tests.webhook.test_crash import CREATED, _admin_key, _env, _kill, _serve
from tests.webhook.test_delivery import UPDATED, _event, _tenant_of, _webhook

from dcaas.kit.db import Store
from dcaas.webhook.outbox import enqueue
from dcaas.webhook.worker import Worker

if TYPE_CHECKING:
    from pathlib import Path

    from tests.webhook.receiver import Receiver


@pytest.mark.settings(outbound_allow="127.0.0.1/32", webhook_poll_seconds=0.05)
async def test_two_workers_share_the_outbox_without_sending_an_attempt_twice(api, receiver) -> None:
    """48 events over 24 connections, a slow receiver, two workers on their own pools (as
    two replicas): every event arrives once, none in flight twice, each connection's in
    order, and both workers deliver some."""
    if api.settings.is_sqlite:
        pytest.skip("on SQLite one in-process worker delivers; replicas need PostgreSQL")
    assert RECEIVER_SECRET
    await _webhook(api, receiver, eventTypes=[UPDATED])
    receiver.delay = 0.05
    tenant = await _tenant_of(api)
    state = api.app.state.dcaas
    # More objects than one worker claims at once (16), so both always find work.
    sent: dict[str, list[str]] = {f"c{i}": [] for i in range(24)}
    for n in range(2):
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
            while len(receiver.received) < 48:  # noqa: ASYNC110 - the receiver runs in threads
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


def test_two_dcaas_serve_processes_on_postgresql_send_each_event_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Two ``dcaas serve`` replicas on one PostgreSQL database, connections created through
    both: every event arrives exactly once and no delivery is ever in flight twice."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        pytest.skip("replicas need PostgreSQL (DCAAS_TEST_POSTGRES_URL)")
    db_url = asyncio.run(_fresh_pg_schema(POSTGRES_URL))
    env = _env(tmp_path, DCAAS_DATABASE_URL=db_url, DCAAS_WEBHOOK_POLL_SECONDS="0.1")
    receiver.delay = 0.05
    procs = []
    try:
        key = _admin_key(env)
        first, url_a = _serve(env, tmp_path / "a.log")
        procs.append(first)
        second, url_b = _serve(env, tmp_path / "b.log")
        procs.append(second)
        h = {"Authorization": f"Bearer {key}"}
        hook = {"name": "ops", "url": receiver.url, "eventTypes": [CREATED], "secret": "s" * 24}
        assert httpx.post(url_a + "/api/v1/webhooks", json=hook, headers=h).status_code == 201
        ids = []
        for i in range(30):
            body = {
                "qName": f"r{i}",
                "datasourceID": "rest",
                "connectionProperties": {"url": "https://e.com"},
            }
            res = httpx.post(
                (url_a, url_b)[i % 2] + "/api/v1/data-connections", json=body, headers=h
            )
            assert res.status_code == 201, res.text
            ids.append(res.json()["id"])
        deadline = time.monotonic() + 60
        while len(receiver.received) < len(ids):
            assert time.monotonic() < deadline, f"{len(receiver.received)} of {len(ids)} arrived"
            time.sleep(0.1)
        time.sleep(1)  # nothing more comes
    finally:
        for proc in procs:
            _kill(proc)
        asyncio.run(_drop_pg(POSTGRES_URL, db_url))
    got = [r.body["extensions"]["topLevelResourceId"] for r in receiver.received]
    assert sorted(got) == sorted(ids)
    assert receiver.overlaps == []
