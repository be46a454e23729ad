"""The raw-driver floor: a bare Starlette app doing dcaas's primary-key read and an insert.

No SQLAlchemy, no FastAPI, no authentication, no validation: aiosqlite or asyncpg called
directly, the row serialised with orjson. ``bench/api_bench.py`` runs it beside
``dcaas serve`` on the same database and reports dcaas's figures as ratios of these.

    FLOOR_DB_URL=sqlite:////tmp/x/dcaas.db uvicorn --app-dir bench floor:app
    FLOOR_DB_URL=postgresql://postgres@127.0.0.1/db uvicorn --app-dir bench floor:app

``GET /c/{id}`` reads one connection by primary key (the columns dcaas answers with);
``POST /c`` parses a create body and inserts one row into ``bench_floor`` in a transaction;
``GET /l?tenant=&name=&id=`` is the bare keyset query of a list page (21 rows after
``(name, id)``, or the first 21) over the same ``(tenant_id, name, id)`` index dcaas uses.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import aiosqlite
import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

COLUMNS = (
    "id, tenant_id, space_id, owner_id, name, data_source_id, q_type, connect_statement, "
    "properties, tags, log_on, architecture, separate_credentials, credential_id, auth_status, "
    "version, created, updated"
)
TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_floor (id VARCHAR(64) PRIMARY KEY, name TEXT, payload TEXT)"
)
_SQLITE_READERS = 4
PAGE = 21  # a page of 20 and the look-ahead row, as dcaas reads it


class Sqlite:
    """A few reading connections and one writing connection (SQLite has one writer anyway)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self.writer: aiosqlite.Connection | None = None
        self.write_lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=30000")
        return conn

    async def open(self) -> None:
        for _ in range(_SQLITE_READERS):
            self.readers.put_nowait(await self._connect())
        self.writer = await self._connect()
        await self.writer.execute(TABLE)

    async def close(self) -> None:
        while not self.readers.empty():
            await self.readers.get_nowait().close()
        if self.writer is not None:
            await self.writer.close()

    async def read(self, conn_id: str) -> dict[str, Any] | None:
        conn = await self.readers.get()
        try:
            async with conn.execute(
                f"SELECT {COLUMNS} FROM connections WHERE id = ?",  # noqa: S608 - constant
                (conn_id,),
            ) as cursor:
                row = await cursor.fetchone()
                names = [d[0] for d in cursor.description]
        finally:
            self.readers.put_nowait(conn)
        return dict(zip(names, row, strict=True)) if row is not None else None

    async def insert(self, new_id: str, name: str, payload: str) -> None:
        assert self.writer is not None
        async with self.write_lock:
            await self.writer.execute("BEGIN IMMEDIATE")
            try:
                await self.writer.execute(
                    "INSERT INTO bench_floor (id, name, payload) VALUES (?, ?, ?)",
                    (new_id, name, payload),
                )
            except BaseException:
                await self.writer.execute("ROLLBACK")
                raise
            await self.writer.execute("COMMIT")


class Postgres:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=10, max_size=10)
        await self.pool.execute(TABLE)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def read(self, conn_id: str) -> dict[str, Any] | None:
        assert self.pool is not None
        row = await self.pool.fetchrow(
            f"SELECT {COLUMNS} FROM connections WHERE id = $1",  # noqa: S608 - constant
            conn_id,
        )
        return dict(row) if row is not None else None

    async def page(self, tenant: str, after: tuple[str, str] | None) -> list[dict[str, Any]]:
        assert self.pool is not None
        if after is None:
            rows = await self.pool.fetch(
                f"SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 "  # noqa: S608 - constant
                f"ORDER BY name, id LIMIT {PAGE}",
                tenant,
            )
        else:
            rows = await self.pool.fetch(
                f"SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 "  # noqa: S608 - constant
                f"AND (name, id) > ($2, $3) ORDER BY name, id LIMIT {PAGE}",
                tenant,
                *after,
            )
        return [dict(r) for r in rows]

    async def insert(self, new_id: str, name: str, payload: str) -> None:
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench_floor (id, name, payload) VALUES ($1, $2, $3)",
                new_id,
                name,
                payload,
            )


def _store() -> Sqlite | Postgres:
    url = os.environ["FLOOR_DB_URL"]
    if url.startswith("sqlite:///"):
        return Sqlite(url.removeprefix("sqlite:///"))
    return Postgres(url)


STORE = _store()


def _json(status: int, payload: Any) -> Response:
    return Response(orjson.dumps(payload, default=str), status, media_type="application/json")


async def get_one(request: Request) -> Response:
    row = await STORE.read(request.path_params["conn_id"])
    return _json(200, row) if row is not None else _json(404, {})


async def list_page(request: Request) -> Response:
    if not isinstance(STORE, Postgres):
        return _json(404, {})
    q = request.query_params
    after = (q["name"], q["id"]) if "name" in q else None
    return _json(200, {"data": await STORE.page(q["tenant"], after)})


async def create(request: Request) -> Response:
    data = orjson.loads(await request.body())
    new_id = str(uuid.uuid4())
    await STORE.insert(new_id, data["qName"], orjson.dumps(data).decode())
    return _json(201, {"id": new_id})


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    await STORE.open()
    yield
    await STORE.close()


app = Starlette(
    routes=[
        Route("/c/{conn_id}", get_one),
        Route("/c", create, methods=["POST"]),
        Route("/l", list_page),
    ],
    lifespan=lifespan,
)
