"""Webhook benchmarks, printed as ratios measured in one run.

1. **Enqueue cost**: connection creates per second with three webhooks subscribed to
   ``data-connection.created`` (three outbox rows written in each create's transaction)
   against the same app with none, alternating ``--rounds`` times; the ratio of medians
   (target: at least 0.85). SQLite, and PostgreSQL with ``--pg-url``.
2. **Delivery throughput**: ``--events`` events drained by one worker to a receiver on
   loopback (claim, POST, record) against the floor, a bare ``httpx`` client POSTing the
   same bodies to the same receiver, 16 at a time.

The app runs in process (httpx's ASGI transport), rate limits off; the machine is shared:
read the ratios, not the absolute figures. Run: ``.venv/bin/python bench/webhook_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx

from dcaas.app import create_app
from dcaas.audit.service import new_event
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade
from dcaas.webhook.outbox import enqueue
from dcaas.webhook.signing import body_of
from dcaas.webhook.worker import Worker

if TYPE_CHECKING:
    from dcaas.webhook.outbox import WebhookEvent

CREATED = "com.qlik.v1.data-connection.created"


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


def _receiver() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


async def _database(pg_url: str | None) -> str | None:
    if pg_url is None:
        return None
    name = "dcaas_bench_" + uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(pg_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return pg_url.rsplit("/", 1)[0] + "/" + name


async def _app(data: Path, db_url: str | None) -> tuple[Any, str, httpx.AsyncClient]:
    settings = Settings(
        data_dir=data,
        database_url=db_url,
        env="development",
        rate_limit_enabled=False,
        webhook_worker=False,
        log_level="WARNING",
    )
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    key = await create_key(app.state.dcaas.sessions, tenant="t", user="admin", admin=True)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    client.headers["Authorization"] = f"Bearer {key.token}"
    return app, key.token, client


async def _creates(client: httpx.AsyncClient, n: int, tag: str) -> float:
    async def one(i: int) -> None:
        body = {
            "qName": f"{tag}-{i}-{uuid.uuid4().hex[:6]}",
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://api.example.com"},
        }
        res = await client.post("/api/v1/data-connections", json=body)
        assert res.status_code == 201, res.text

    started = time.perf_counter()
    for start in range(0, n, 8):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + 8))))
    return n / (time.perf_counter() - started)


async def enqueue_cost(label: str, db_url: str | None, rounds: int, n: int, url: str) -> None:
    with tempfile.TemporaryDirectory() as plain_dir, tempfile.TemporaryDirectory() as hooked_dir:
        plain = await _app(Path(plain_dir), db_url and await _database(db_url))
        hooked = await _app(Path(hooked_dir), db_url and await _database(db_url))
        for i in range(3):
            hook = {"name": f"h{i}", "url": url, "eventTypes": [CREATED], "secret": "s" * 32}
            assert (await hooked[2].post("/api/v1/webhooks", json=hook)).status_code == 201
        await _creates(plain[2], 16, "warm")
        await _creates(hooked[2], 16, "warm")
        base, with_hooks = [], []
        for r in range(rounds):
            base.append(await _creates(plain[2], n, f"p{r}"))
            with_hooks.append(await _creates(hooked[2], n, f"h{r}"))
        b, h = statistics.median(base), statistics.median(with_hooks)
        print(
            f"{label}: creates/s without webhooks {b:.0f}, with 3 subscribed {h:.0f}: "
            f"ratio {h / b:.2f} (target >= 0.85)"
        )
        for app, _, client in (plain, hooked):
            await client.aclose()
            await app.state.dcaas.engine.dispose()


async def delivery_throughput(events: int, url: str) -> None:
    with tempfile.TemporaryDirectory() as data:
        app, _, client = await _app(Path(data), None)
        hook = {"name": "sink", "url": url, "eventTypes": [CREATED], "secret": "s" * 32}
        assert (await client.post("/api/v1/webhooks", json=hook)).status_code == 201
        res = await client.get("/api/v1/webhooks")
        state = app.state.dcaas
        tenant = res.json()["data"][0]["createdByUserId"] and await _tenant(state)
        bodies = []
        async with state.store.write() as db:
            for i in range(events):
                event = new_event(
                    CREATED, object_type="data-connection", object_id=f"c{i}", tenant_id=tenant
                )
                await enqueue(db, event)
                bodies.append(body_of(_stored(event), cloud_events=False)[0])
        settings = state.settings.model_copy(update={"outbound_allow": "127.0.0.1/32"})
        settings.__dict__.pop("outbound", None)
        worker = Worker(state.store, state.envelope, settings)
        started = time.perf_counter()
        while await worker.run_once():
            pass
        ours = events / (time.perf_counter() - started)
        async with httpx.AsyncClient() as bare:
            started = time.perf_counter()
            for start in range(0, events, 16):
                chunk = bodies[start : start + 16]
                await asyncio.gather(*(bare.post(url, content=b) for b in chunk))
            floor = events / (time.perf_counter() - started)
        print(
            f"delivery: {ours:.0f} events/s by the worker (claim, sign, POST, record), "
            f"floor {floor:.0f} POSTs/s: ratio {ours / floor:.2f}"
        )
        await client.aclose()
        await state.engine.dispose()


async def _tenant(state: Any) -> str:
    from sqlalchemy import select  # noqa: PLC0415

    from dcaas.tenant.models import Tenant  # noqa: PLC0415

    async with state.store.read() as db:
        return str(await db.scalar(select(Tenant.id).where(Tenant.name == "t")))


def _stored(event: WebhookEvent) -> dict[str, Any]:
    from dcaas.webhook.outbox import snapshot  # noqa: PLC0415

    return snapshot(event)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--creates", type=int, default=80)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--pg-url", default=None, help="postgresql://... for the PostgreSQL part")
    args = parser.parse_args()
    server, url = _receiver()
    try:
        await enqueue_cost("sqlite", None, args.rounds, args.creates, url)
        if args.pg_url:
            await enqueue_cost("postgresql", args.pg_url, args.rounds, args.creates, url)
        await delivery_throughput(args.events, url)
    finally:
        server.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
