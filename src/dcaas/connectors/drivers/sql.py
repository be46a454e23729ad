"""SQL connectors: the shared part. Dialects: :mod:`.postgres` (asyncpg), :mod:`.mysql` (aiomysql).

Steps: resolve-host, connect (plain TCP), tls (the protocol's own "start TLS" exchange and a
handshake with the configured checks; not run for sslMode disable), authenticate (the
driver's login), reach-database. Drivers connect to the addresses the outbound policy
returned, with :class:`~dcaas.connectors.drivers.net.PinnedContext` verifying the
configured host name. Sessions are read-only.

Paths: ``""`` lists schemas, ``schema`` its tables and views, ``schema/table`` its columns;
segments are percent-encoded, so names may contain ``/``. Browse tokens are offsets.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, unquote
from uuid import UUID

from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    Steps,
)
from dcaas.connectors.drivers.net import close, connect_any, pem_text, tls_context, tls_handshake
from dcaas.connectors.drivers.plan import Action, run_plan
from dcaas.connectors.sql import SqlProperties
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from dcaas.connectors.drivers.net import PinnedContext, Verify

_MAX_CELL = 4096  # characters of one value in a preview


def not_found(what: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_NOT_FOUND,
        FailureClass.CONFIGURATION,
        f"{what} does not exist or is not visible to this user",
        http_status=404,
    )


def split_path(path: str) -> list[str]:
    return [unquote(part) for part in path.split("/") if part]


def join_path(*parts: str) -> str:
    return "/".join(quote(part, safe="") for part in parts)


def cell(value: Any) -> Any:
    """A database value as JSON (long text cut, bytes as base64, the rest as text)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)[:_MAX_CELL]).decode()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | dt.timedelta):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return text[:_MAX_CELL]


class SqlConnector:
    """The steps, browse and preview in terms of a few dialect hooks."""

    properties_model: ClassVar[type[SqlProperties]] = SqlProperties
    system_schemas: ClassVar[tuple[str, ...]] = ("information_schema",)

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.props = self.properties_model.model_validate(properties)
        self.context = context
        self.addresses: list[str] = []

    # -- dialect hooks ------------------------------------------------------------------
    async def _start_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Ask the server for TLS on an open stream; whether it agreed."""
        raise NotImplementedError

    async def _login(self) -> None:
        raise NotImplementedError

    async def _use_database(self) -> None:
        raise NotImplementedError

    async def _rows(self, sql: str, *args: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a query with ``?`` placeholders; its column names and rows."""
        raise NotImplementedError

    def _quote(self, name: str) -> str:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    # -- test ---------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        plan: list[tuple[str, Action]] = [
            (Step.RESOLVE, self._resolve),
            (Step.CONNECT, self._connect),
        ]
        if self.props.sslMode != "disable":
            plan.append((Step.TLS, self._tls))
        plan += [(Step.AUTHENTICATE, self._login), (Step.REACH_DATABASE, self._reach)]
        await run_plan(steps, plan)

    async def _resolve(self) -> None:
        self.addresses = await self.context.outbound.resolve(self.props.host, self.props.port)

    async def _connect(self) -> None:
        _, writer = await connect_any(self.addresses, self.props.port, self.context.connect_timeout)
        await close(writer)

    async def _tls(self) -> None:
        seconds = self.context.connect_timeout
        reader, writer = await connect_any(self.addresses, self.props.port, seconds)
        try:
            offered = await self._start_tls(reader, writer)
            if offered:
                await tls_handshake(writer, self.ssl_context(), self.props.host, seconds)
            elif self.props.sslMode != "prefer":
                raise SourceFailure(
                    Code.SOURCE_TLS_FAILED,
                    FailureClass.CONFIGURATION,
                    f"the server does not offer TLS, which sslMode "
                    f"{self.props.sslMode} needs; enable TLS on the server or "
                    "change sslMode",
                    http_status=400,
                )
        finally:
            await close(writer)

    async def _reach(self) -> None:
        await self._use_database()
        await self._rows("SELECT 1")

    def ssl_context(self) -> PinnedContext:
        mode = self.props.sslMode
        roots = [pem_text(f.value) for f in self.props.rootCertificates or []]
        if mode in ("prefer", "require"):
            return tls_context(self.props.host, verify="none")
        verify: Verify = "custom" if roots else "default"
        return tls_context(
            self.props.host, verify=verify, roots=roots, check_hostname=mode == "verify-full"
        )

    async def _open(self) -> None:
        """Resolve, log in and select the database (browse and preview)."""
        await self._resolve()
        await self._login()
        await self._use_database()

    # -- browse -------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        parts = split_path(path)
        offset = _offset(token)
        if len(parts) > 2:  # noqa: PLR2004 - schema/table is the deepest level
            raise not_found(f"the path {path!r}")
        await self._open()
        await self._require(parts)
        entries = await [self._schemas, self._tables, self._columns][len(parts)](
            parts, limit + 1, offset
        )
        more = len(entries) > limit
        return EntryPage(entries[:limit], str(offset + limit) if more else None)

    async def _require(self, parts: list[str]) -> None:
        if len(parts) == 1:
            _, found = await self._rows(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?", parts[0]
            )
            if not found:
                raise not_found(f"the schema {parts[0]!r}")
        elif len(parts) == 2:  # noqa: PLR2004
            _, found = await self._rows(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                *parts,
            )
            if not found:
                raise not_found(f"the table {parts[1]!r} in {parts[0]!r}")

    async def _schemas(self, _: list[str], limit: int, offset: int) -> list[Entry]:
        hidden = ", ".join("'" + s + "'" for s in self.system_schemas)  # constants, not input
        _, rows = await self._rows(
            f"SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "  # noqa: S608
            f"({hidden}) AND substr(schema_name, 1, 3) <> 'pg_' ORDER BY schema_name "
            "LIMIT ? OFFSET ?",
            limit,
            offset,
        )
        return [Entry(name=r[0], path=join_path(r[0]), type="schema") for r in rows]

    async def _tables(self, parts: list[str], limit: int, offset: int) -> list[Entry]:
        _, rows = await self._rows(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ? "
            "ORDER BY table_name LIMIT ? OFFSET ?",
            parts[0],
            limit,
            offset,
        )
        return [
            Entry(
                name=r[0],
                path=join_path(parts[0], r[0]),
                type="view" if "VIEW" in str(r[1]).upper() else "table",
            )
            for r in rows
        ]

    async def _columns(self, parts: list[str], limit: int, offset: int) -> list[Entry]:
        _, rows = await self._rows(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position "
            "LIMIT ? OFFSET ?",
            parts[0],
            parts[1],
            limit,
            offset,
        )
        return [
            Entry(
                name=r[0],
                path=join_path(parts[0], parts[1], r[0]),
                type="column",
                extra={"dataType": r[1], "nullable": str(r[2]).upper() == "YES"},
            )
            for r in rows
        ]

    # -- preview ------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        """The first ``max_rows`` rows of ``schema/table``; identifiers quoted, never pasted."""
        parts = split_path(path)
        if len(parts) != 2:  # noqa: PLR2004
            raise not_found(f"a table at {path!r} (give schema/table)")
        await self._open()
        await self._require(parts)
        table = f"{self._quote(parts[0])}.{self._quote(parts[1])}"
        columns, rows = await self._rows(f"SELECT * FROM {table} LIMIT ?", max_rows + 1)  # noqa: S608
        values = [[cell(v) for v in row] for row in rows[:max_rows]]
        size = sum(len(str(v)) for row in values for v in row)
        return Preview(
            path,
            "rows",
            columns=columns,
            rows=values,
            bytes_read=min(size, max_bytes),
            truncated=len(rows) > max_rows,
        )


# A quoted identifier or string literal, its quote doubled inside: "a""b", `a``b`, 'a''b'.
_QUOTED = re.compile(r"""("(?:[^"]|"")*"|`(?:[^`]|``)*`|'(?:[^']|'')*')""")


def outside_quotes(sql: str, change: Callable[[str], str]) -> str:
    """``sql`` with ``change`` applied to the parts outside quoted names and strings."""
    parts = _QUOTED.split(sql)
    return "".join(change(p) if i % 2 == 0 else p for i, p in enumerate(parts))


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise SourceFailure(
            Code.SOURCE_PROTOCOL_ERROR,
            FailureClass.CONFIGURATION,
            "the browse token is not valid; follow links.next",
            http_status=400,
        )
    return int(token)
