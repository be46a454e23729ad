"""Keyset paging: dcaas's one implementation (``kit.listing.Keyset``) against ``sqlakeyset``.

Both page the same scoped statement (``ConnectionRepository.readable()``) of a PostgreSQL
table of ``--rows`` connections of one tenant (plus a tenth as many of another), 20 rows a
page: the first page and a page 90% deep, sorted by name and by -updated. Each query runs in
a fresh session (as a request would), the two implementations alternating, ``--n`` times;
the script prints median and p95 latency and the ratio sqlakeyset / dcaas, and checks that
both answer the same rows.

    .venv/bin/python bench/keyset_bench.py --rows 100000 --n 300
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlakeyset.asyncio import select_page
from sqlalchemy import select

from dcaas.bootstrap import create_key
from dcaas.connection.models import Connection
from dcaas.connection.repository import KEYSET, ConnectionRepository
from dcaas.kit.db import create_engine, session_factory
from dcaas.kit.migrate import upgrade
from dcaas.kit.paging import Cursor, Sort
from dcaas.space.models import Space
from dcaas.tenant.models import User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

LIMIT = 20


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fill(db_url: str, *, tenant: str, user: str, space: str, rows: int, prefix: str) -> None:
    """``rows`` connections named ``<prefix>-00000001``..., updated one second apart."""
    conn = await asyncpg.connect(db_url)
    start = datetime(2024, 1, 1)  # noqa: DTZ001 - the column holds naive UTC
    try:
        await conn.execute(
            "INSERT INTO connections (id, tenant_id, space_id, owner_id, name, data_source_id, "
            "q_type, connect_statement, properties, tags, log_on, architecture, "
            "separate_credentials, version, created, updated) "
            "SELECT md5($4 || i::text), $1, $2, $3, $4 || '-' || lpad(i::text, 8, '0'), 'rest', "
            "'rest', '', '{}', '[]', 0, 0, false, 1, $5::timestamp + i * interval '1 second', "
            "$5::timestamp + ((i * 7919) % $6) * interval '1 second' "
            "FROM generate_series(1, $6) i",
            tenant,
            space,
            user,
            prefix,
            start,
            rows,
        )
        await conn.execute("ANALYZE connections")
    finally:
        await conn.close()


async def _ours(
    sessions: async_sessionmaker[AsyncSession], tenant: str, sort: Sort, cursor: Cursor | None
) -> list[str]:
    async with sessions() as s:
        rows = await ConnectionRepository(s, tenant).page(
            [], sort=sort, cursor=cursor, limit=LIMIT, case_insensitive=False
        )
        page = KEYSET.assemble(rows, sort=sort, cursor=cursor, limit=LIMIT, count=0)
        return [c.id for c in page.items]


async def _theirs(
    sessions: async_sessionmaker[AsyncSession], tenant: str, sort: Sort, after: Any
) -> list[str]:
    async with sessions() as s:
        key = KEYSET.fields[sort.field]
        order = (key.desc(), Connection.id.desc()) if sort.descending else (key, Connection.id)
        stmt = ConnectionRepository(s, tenant).readable().order_by(*order)
        page = await select_page(s, stmt, per_page=LIMIT, after=after)
        return [row[0].id for row in page]


async def _row_at(
    sessions: async_sessionmaker[AsyncSession], tenant: str, sort: Sort, n: int
) -> Connection:
    async with sessions() as s:
        key = KEYSET.fields[sort.field]
        order = (key.desc(), Connection.id.desc()) if sort.descending else (key, Connection.id)
        stmt = ConnectionRepository(s, tenant).readable().order_by(*order).offset(n).limit(1)
        found = await s.scalar(stmt)
        assert found is not None
        return found


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


async def measure(args: argparse.Namespace) -> None:
    name = "dcaas_keyset_" + uuid.uuid4().hex[:10]
    await _admin(args.pg_url, f'CREATE DATABASE "{name}"')
    db_url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    async_url = db_url.replace("postgresql://", "postgresql+asyncpg://")
    try:
        await asyncio.to_thread(upgrade, async_url)
        engine = create_engine(async_url)
        sessions = session_factory(engine)
        ids = {}
        for tenant_name in ("bench", "other"):
            await create_key(sessions, tenant=tenant_name, user=tenant_name, admin=False)
            async with sessions() as s:
                user = await s.scalar(select(User).where(User.subject == tenant_name))
                assert user is not None
                space = await s.scalar(select(Space).where(Space.owner_id == user.id))
                assert space is not None
                ids[tenant_name] = (user.tenant_id, user.id, space.id)
        started = time.perf_counter()
        for who, rows in (("bench", args.rows), ("other", args.rows // 10)):
            tenant, user, space = ids[who]
            await _fill(db_url, tenant=tenant, user=user, space=space, rows=rows, prefix=who)
        print(
            f"filled {args.rows} + {args.rows // 10} connections in "
            f"{time.perf_counter() - started:.0f} s (PostgreSQL)"
        )
        tenant = ids["bench"][0]
        print(f"\npage of {LIMIT}, {args.n} runs each, alternating; ms median / p95")
        print(f"{'sort':<10}{'page':<7}{'dcaas':>16}{'sqlakeyset':>18}{'ratio':>8}")
        for sort in (Sort("qName", descending=False), Sort("updated", descending=True)):
            for label, at in (("first", None), ("deep", int(args.rows * 0.9))):
                cursor, after = None, None
                if at is not None:
                    row = await _row_at(sessions, tenant, sort, at)
                    value = getattr(row, KEYSET.fields[sort.field].key)
                    cursor = Cursor(sort.token, value, row.id, "next")
                    after = (value, row.id)
                ours, theirs = [], []
                for i in range(args.n + 10):
                    t0 = time.perf_counter()
                    a = await _ours(sessions, tenant, sort, cursor)
                    t1 = time.perf_counter()
                    b = await _theirs(sessions, tenant, sort, after)
                    t2 = time.perf_counter()
                    assert a == b, (sort, label, a[:3], b[:3])
                    if i >= 10:  # warm-up
                        ours.append(t1 - t0)
                        theirs.append(t2 - t1)
                (om, op), (tm, tp) = _stats(ours), _stats(theirs)
                print(
                    f"{sort.token:<10}{label:<7}{om:>8.2f} / {op:<6.2f}{tm:>9.2f} / {tp:<6.2f}"
                    f"{tm / om:>7.2f}x"
                )
        await engine.dispose()
    finally:
        await _admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=300)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
