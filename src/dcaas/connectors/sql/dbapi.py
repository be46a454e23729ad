"""A DB-API 2 connection in a worker thread, as a :class:`~.engine.Session`.

Every call runs in the connector's :class:`~.worker.Worker`; statements use ``?``
placeholders, converted here to the driver's ``paramstyle``. A statement without
arguments is executed without any, so drivers that format parameters into the text
(``format``, ``pyformat``) never read a ``%`` in a quoted name as a placeholder.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from dcaas.connectors.sql.engine import Rows

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from dcaas.connectors.sql.worker import Worker

_PLACEHOLDER = re.compile(r"\?")


def convert(sql: str, args: Sequence[Any], paramstyle: str) -> tuple[str, Any]:
    """``?`` placeholders and a list of arguments in the driver's style."""
    if paramstyle == "qmark":
        return sql, list(args)
    if paramstyle in {"format", "pyformat"}:
        return _PLACEHOLDER.sub("%s", sql), tuple(args)
    counter = iter(range(1, len(args) + 1))
    if paramstyle == "numeric":
        return _PLACEHOLDER.sub(lambda _: f":{next(counter)}", sql), list(args)
    if paramstyle == "named":
        named = _PLACEHOLDER.sub(lambda _: f":p{next(counter)}", sql)
        return named, {f"p{i}": value for i, value in enumerate(args, 1)}
    raise ValueError(f"unsupported paramstyle {paramstyle!r}")


class DbapiSession:
    """A DB-API connection used only from its worker thread."""

    def __init__(
        self,
        worker: Worker,
        connection: Any,
        paramstyle: str,
        *,
        use: Callable[[Any], None] | None = None,
    ) -> None:
        self.worker = worker
        self.connection = connection
        self.paramstyle = paramstyle
        self._use = use

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        return await self.worker.run(self._query, sql, args, max_rows)

    def _query(self, sql: str, args: Sequence[Any], max_rows: int | None) -> Rows:
        cursor = self.connection.cursor()
        try:
            if args:
                cursor.execute(*convert(sql, args, self.paramstyle))
            else:
                cursor.execute(sql)
            columns = [str(d[0]) for d in cursor.description or ()]
            if not columns:
                return Rows([], [])
            rows = cursor.fetchmany(max_rows) if max_rows is not None else cursor.fetchall()
            return Rows(columns, [tuple(r) for r in rows])
        finally:
            _close_quietly(cursor)

    async def use(self) -> None:
        if self._use is not None:
            await self.worker.run(self._use, self.connection)

    async def close(self) -> None:
        """Close after any call still running, in the worker; never waits here."""
        self.worker.close(lambda: _close_quietly(self.connection))


def _close_quietly(thing: Any) -> None:
    with contextlib.suppress(Exception):  # closing is best effort; the socket goes anyway
        thing.close()


async def open_in_worker(worker: Worker, connect: Callable[[], Any]) -> Any:
    """A driver's ``connect()`` in the worker; a login that ends after the caller's deadline
    is closed there, not leaked."""
    return await worker.run(connect, on_abandon=_close_quietly)
