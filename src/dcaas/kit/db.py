"""The database: one async engine per process, sessions that commit or roll back as a unit."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.engine import Dialect

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (portable across SQLite and PostgreSQL); returns aware UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002 - SQLAlchemy's TypeDecorator signature
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002 - ditto
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if echo:
        # SQLAlchemy adds its own stdout handler to a logger that has none; a NullHandler
        # keeps echo on the application's handlers (JSON lines, redaction) only.
        echo_log = logging.getLogger("sqlalchemy.engine.Engine")
        if not echo_log.handlers:
            echo_log.addHandler(logging.NullHandler())
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping (a round trip per request): a connection the server dropped fails its
    # request with 503 (app.py) and the pool replaces it; idle ones are recycled in time.
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The driver would BEGIN only before the first write, and SQLite's RELEASE of an
    # outermost SAVEPOINT commits: SQLAlchemy's recipe, we emit BEGIN ourselves instead.
    dbapi_connection.isolation_level = None


# Whether the current unit of work will write. On SQLite a writer takes the write lock
# when it begins (BEGIN IMMEDIATE, waiting up to busy_timeout) rather than upgrading a
# read snapshot later, which fails at once ("database is locked") if another writer
# committed in between. Readers begin deferred and never wait for writers (WAL).
_writes: ContextVar[bool] = ContextVar("dcaas_unit_of_work_writes", default=True)


def _sqlite_begin(connection: Any) -> None:
    # A read-only unit of work needs no transaction of its own: each SELECT sees a
    # consistent snapshot (WAL), and a BEGIN would cost one more trip to the driver's thread.
    if _writes.get():
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession], *, writes: bool = True
) -> AsyncIterator[AsyncSession]:
    """Commit when the work succeeds, roll back when it raises. Services never commit.

    ``writes=False`` (a GET) lets SQLite begin a plain read transaction.
    """
    token = _writes.set(writes)
    try:
        async with factory() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
    finally:
        _writes.reset(token)
