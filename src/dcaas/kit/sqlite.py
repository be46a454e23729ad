"""aiosqlite under SQLAlchemy in one trip to the driver's thread per statement.

aiosqlite runs every call on a thread of its own; SQLAlchemy's adapter makes four trips
for one statement (make a cursor, execute, fetch, close), and one more for each commit or
rollback, even of a connection with no transaction open. Each trip wakes the event loop,
and while a write transaction waits for its next turn of the loop it holds SQLite's only
write lock: a create made about twenty trips. Here a statement is one trip (execute, fetch
and close together, in the driver's thread), and ending a connection that has no
transaction makes none. Everything else is SQLAlchemy's adapter, unchanged.

Used by ``kit.db`` for both SQLite engines (``create_async_engine(..., module=dbapi())``).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)

_Outcome = tuple[Any, list[Any] | None, int | None, int]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, *, many: bool) -> _Outcome:
    """In the driver's thread: the statement, its rows and its counts, cursor closed."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        driver: Any = self._connection  # aiosqlite's Connection: _execute runs in its thread
        try:
            outcome: _Outcome = self.await_(
                driver._execute(_run, driver._conn, operation, parameters, many=many)  # noqa: SLF001 - aiosqlite's queue to its thread
            )
        except Exception as error:  # noqa: BLE001 - SQLAlchemy's adapter translates it
            self._adapt_connection._handle_exception(error)  # noqa: SLF001 - ditto
        description, rows, lastrowid, rowcount = outcome
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.description = None
            self.lastrowid = lastrowid  # type: ignore[assignment]  # the DBAPI allows None
            self.rowcount = rowcount

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._trip(operation, seq_of_parameters, many=True)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return AsyncAdapt_aiosqlite_ss_cursor(self) if server_side else _Cursor(self)

    def commit(self) -> None:
        if self._connection.in_transaction:
            super().commit()

    def rollback(self) -> None:
        if self._connection.in_transaction:
            super().rollback()


class _Dbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _Connection(self, adapted._connection)  # noqa: SLF001 - re-wrapped, same driver


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to give ``create_async_engine`` for SQLite URLs."""
    return _Dbapi(aiosqlite, sqlite3)
