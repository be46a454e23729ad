"""The minimal same-stack baseline: a bare ASGI app doing one primary-key read (or one insert).

Same server (uvicorn, one worker), same database driver (aiosqlite or asyncpg through
SQLAlchemy's async engine), same table as dcaas, no framework, no authentication, no
validation. ``bench/api_bench.py`` now measures against ``bench/floor.py``, the same work
without SQLAlchemy; this one is kept to see what SQLAlchemy's async engine costs on its own.

    BASELINE_DB_URL=sqlite+aiosqlite:////tmp/x/dcaas.db uvicorn bench.baseline:app
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_engine: AsyncEngine | None = None

_READ = text(
    "SELECT id, name, data_source_id, q_type, connect_statement, properties, tags, space_id, "
    "owner_id, created, updated FROM connections WHERE id = :id"
)
_INSERT = text("INSERT INTO bench_baseline (id, name, payload) VALUES (:id, :name, :payload)")


def _db() -> AsyncEngine:
    global _engine  # noqa: PLW0603 - one engine per process, made on first use
    if _engine is None:
        url = os.environ["BASELINE_DB_URL"]
        kwargs: dict[str, Any] = {} if url.startswith("sqlite") else {"pool_size": 10}
        _engine = create_async_engine(url, **kwargs)
    return _engine


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_json(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, default=str).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _engine is not None:
                    await _engine.dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    if scope["method"] == "GET" and path.startswith("/c/"):
        async with _db().connect() as conn:
            row = (await conn.execute(_READ, {"id": path[3:]})).mappings().first()
        await _send_json(send, 200 if row else 404, dict(row) if row else {})
    elif scope["method"] == "POST" and path == "/c":
        data = json.loads(await _body(receive))
        async with _db().begin() as conn:
            new_id = str(uuid.uuid4())
            await conn.execute(
                _INSERT, {"id": new_id, "name": data["qName"], "payload": json.dumps(data)}
            )
        await _send_json(send, 201, {"id": new_id})
    else:
        await _send_json(send, 404, {})
