"""The database: a writing and a reading pool per process, and the sessions of a unit of work.

* The writing engine is the only one that writes. On SQLite every transaction on it begins
  ``BEGIN IMMEDIATE``: it takes the database's single write lock at once (waiting up to the
  busy timeout) instead of upgrading a read snapshot later, which fails at once when another
  writer committed in between.
* The reading engine's connections cannot write (SQLite ``query_only``; PostgreSQL
  ``default_transaction_read_only``) and hold no transaction: each statement stands alone
  (autocommit), so a read never waits for a writer and costs no BEGIN or COMMIT.
* A writing session (:meth:`Store.write`) reads through the reading engine until it first
  writes; the transaction begins with that first write statement and everything after it
  (reads included) runs in it. Work done before the first write (validation, sealing a
  secret, which may call a remote key provider) therefore holds no transaction and no lock.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from dcaas.kit.sqlite import dbapi as sqlite_dbapi

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from sqlalchemy import Select
    from sqlalchemy.engine import Dialect, Engine

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


def _quiet_echo(echo: bool) -> None:
    if echo:
        # SQLAlchemy adds its own stdout handler to a logger that has none; a NullHandler
        # keeps echo on the application's handlers (JSON lines, redaction) only.
        echo_log = logging.getLogger("sqlalchemy.engine.Engine")
        if not echo_log.handlers:
            echo_log.addHandler(logging.NullHandler())


# A fixed pool per engine and process: requests beyond it wait for a connection (briefly:
# reads hold one for a query, writes for their short transaction). Overflow connections
# would be opened and closed again under sustained load, each costing a handshake.
_POSTGRES_POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 0, "pool_recycle": 1800}
# SQLite: each connection is a thread of the driver. Readers: a few. Writers: one, since
# SQLite lets one write at a time: writers then queue for the pool's connection (handed on
# as soon as a transaction ends) instead of in SQLite's busy handler, which sleeps in steps
# of up to 100 ms. A unit of work holds at most one writing connection at a time.
_SQLITE_READERS: dict[str, Any] = {"pool_size": 4, "max_overflow": 0}
_SQLITE_WRITER: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30}


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """The writing engine (also what commands and migrations use)."""
    _quiet_echo(echo)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, module=sqlite_dbapi(), **_SQLITE_WRITER
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping (a round trip per request): a connection the server dropped fails its
    # request with 503 (app.py) and the pool replaces it; idle ones are recycled in time.
    return create_async_engine(url, echo=echo, **_POSTGRES_POOL)


def create_read_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """The reading engine: connections that cannot write and never hold a transaction.

    Nothing to reset when a connection goes back to the pool (no transaction is ever open).
    """
    _quiet_echo(echo)
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            module=sqlite_dbapi(),
            pool_reset_on_return=None,
            **_SQLITE_READERS,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_reader_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"default_transaction_read_only": "on"}},
        pool_reset_on_return=None,
        **_POSTGRES_POOL,
    )


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


def _sqlite_reader_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class _LazySession:
    """Stands for an AsyncSession until something needs one: making a session (its identity
    map, its transaction bookkeeping) costs more than the query of a hot read."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], bind: AsyncEngine) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self.bind = bind

    def in_transaction(self) -> bool:
        return self._session is not None and self._session.in_transaction()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = self._factory()
        return getattr(self._session, name)


class RoutingSession(Session):
    """Reads go to the reading engine until the session first writes; from then on (and in
    savepoints) every statement goes to the writing engine, in its one transaction.

    SQLAlchemy's documented read/write split (``get_bind``): the writer is chosen when the
    session flushes, opens a savepoint, or runs anything but a plain SELECT.
    """

    def __init__(self, *, reader: Engine, writer: Engine, **kw: Any) -> None:
        super().__init__(**kw)
        self._reader = reader
        self._writer = writer
        self.writing = False

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kw: Any) -> Engine:  # noqa: ARG002 - SQLAlchemy's signature
        if not self.writing and (
            self._flushing or self.in_nested_transaction() or not _plain_select(clause)
        ):
            self.writing = True
        return self._writer if self.writing else self._reader


def _plain_select(clause: Any) -> bool:
    """A SELECT that takes no lock (``FOR UPDATE`` goes to the writer)."""
    return bool(getattr(clause, "is_select", False)) and (
        getattr(clause, "_for_update_arg", None) is None  # SQLAlchemy keeps it private
    )


class Store:
    """The two engines and the sessions of units of work (see the module docstring)."""

    def __init__(
        self, writer: AsyncEngine, reader: AsyncEngine, info: dict[str, Any] | None = None
    ) -> None:
        """``info`` is given to every writing session (``Session.info``): what the app's
        session hooks read (the audit trail's configuration)."""
        self.writer = writer
        self.reader = reader
        self.info = info or {}
        self.sessions = async_sessionmaker(
            writer, expire_on_commit=False, autoflush=False, info=self.info
        )
        self._reading = async_sessionmaker(reader, expire_on_commit=False, autoflush=False)
        self._writing = async_sessionmaker(
            expire_on_commit=False,
            autoflush=False,
            info=self.info,
            sync_session_class=RoutingSession,
            reader=reader.sync_engine,
            writer=writer.sync_engine,
        )
        # Whoever disposes of the writing engine (tests, commands) disposes of both pools.
        event.listen(writer.sync_engine, "engine_disposed", self._dispose_reader)

    @classmethod
    def open(cls, url: str, *, echo: bool = False, info: dict[str, Any] | None = None) -> Store:
        return cls(create_engine(url, echo=echo), create_read_engine(url, echo=echo), info)

    def _dispose_reader(self, _engine: Any) -> None:
        self.reader.sync_engine.dispose()

    def read_session(self) -> AsyncSession:
        """A session on the reading engine, made on first use (a read that runs one compiled
        query never needs one); the caller closes it."""
        return cast("AsyncSession", _LazySession(self._reading, self.reader))

    def write_session(self) -> AsyncSession:
        """A routing session (reads first, one transaction from the first write); the caller
        commits or rolls back and closes it."""
        return self._writing()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read: no transaction; the connection goes back to the pool at the end."""
        async with self._reading() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write: commits when the block succeeds, rolls back when it raises."""
        async with self._writing() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await commit(session)

    async def dispose(self) -> None:
        await self.writer.dispose()  # and the reader, through engine_disposed


class CompiledQuery:
    """A Core SELECT compiled once per dialect and run on the driver's own connection.

    For the hottest reads: one round trip (on SQLite one trip to the driver's thread, where
    SQLAlchemy's cursor takes four), no ORM, the values through the columns' own result
    processors (so dates, JSON and booleans come back exactly as SQLAlchemy returns them).
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            columns = list(self.statement.selected_columns)
            found = _Compiled(
                sql=str(compiled),
                params=tuple(compiled.positiontup or ()),
                keys=tuple(str(c.key) for c in columns),
                processors=tuple(
                    c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
                ),
            )
            self._compiled[dialect.name] = found
        return found

    async def first(self, session: AsyncSession, **params: Any) -> dict[str, Any] | None:
        """The first row as a dict of the selected columns' keys, or None.

        A session on one engine (a read) that holds no connection yet lends its engine's pool
        directly, which spares the session's own bookkeeping.
        """
        engine = session.bind
        if isinstance(engine, AsyncEngine) and not session.in_transaction():
            pooled = await engine.raw_connection()
            try:
                return await self._run(engine.dialect, pooled.driver_connection, params)
            finally:
                pooled.close()
        connection = await session.connection(bind_arguments={"clause": self.statement})
        driver = (await connection.get_raw_connection()).driver_connection
        return await self._run(connection.dialect, driver, params)

    async def _run(
        self, dialect: Dialect, driver: Any, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        compiled = self._for(dialect)
        args = [params[name] for name in compiled.params]
        if dialect.name == "sqlite":
            rows = await driver.execute_fetchall(compiled.sql, args)
            row = rows[0] if rows else None
        else:
            row = await driver.fetchrow(compiled.sql, *args)
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, process, value in zip(compiled.keys, compiled.processors, row, strict=True)
        }


class _Compiled:
    __slots__ = ("keys", "params", "processors", "sql")

    def __init__(
        self,
        *,
        sql: str,
        params: tuple[str, ...],
        keys: tuple[str, ...],
        processors: tuple[Callable[[Any], Any] | None, ...],
    ) -> None:
        self.sql = sql
        self.params = params
        self.keys = keys
        self.processors = processors


BEFORE_COMMIT = "dcaas.before_commit"
"""``Session.info`` key: awaitables ``hook(session)`` run, in order, just before a unit of work
commits (what must join the transaction but needs I/O first, as webhook deliveries of the
transaction's audit events do). Given through the Store's ``info``."""


async def commit(session: AsyncSession) -> None:
    """The one way a unit of work commits: the session's before-commit hooks, then COMMIT."""
    for hook in session.info.get(BEFORE_COMMIT, ()):
        await hook(session)
    await session.commit()


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Commit when the work succeeds, roll back when it raises. Services never commit."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await commit(session)
