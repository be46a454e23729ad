"""The SQL engine layer: test steps, browse and preview, the same for every engine.

Each data source's connector is :class:`SqlConnector` bound to one
:class:`~dcaas.connectors.sql.engine.Engine` (:func:`connector_for`). Steps:

* ``driver`` (only when the engine's driver extra is missing: DCAAS-6016 names it);
* ``resolve-host``: the endpoint's name, checked by the outbound policy;
* ``connect``: a TCP connection to a checked address;
* ``tls``: where the engine exposes it (:class:`~.engine.Tls`), a handshake with the
  configured checks, on its own connection to the same checked address;
* ``authenticate``: the driver's login (:attr:`Engine.connect`), to the checked address;
* ``reach-database``: the configured database (or catalog, schema, project) is usable.

Paths: ``""`` lists schemas, ``schema`` its tables and views, ``schema/table`` its
columns; segments are percent-encoded, so names may contain ``/``. Failures are classified
by the one table (:mod:`dcaas.connectors.failures`), whose SQL rows match drivers by name.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import math
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
from dcaas.connectors.drivers.net import close, connect_any, tls_handshake
from dcaas.connectors.drivers.plan import Action, run_plan
from dcaas.connectors.sql.engine import Catalog, Endpoint, Link, Rows, Session
from dcaas.connectors.sql.worker import Guard, Worker
from dcaas.errors import Code

if TYPE_CHECKING:
    from dcaas.connectors.sql.engine import Engine

_MAX_CELL = 4096  # characters of one value in a preview


def not_found(what: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_NOT_FOUND,
        FailureClass.CONFIGURATION,
        f"{what} does not exist or is not visible to this user",
        http_status=404,
    )


def driver_missing(engine: Engine, module: str | None = None) -> SourceFailure:
    what = f"the driver module {module!r}" if module else "its driver"
    driver = engine.driver
    if driver is None:
        how = "reinstall dcaas"
    elif driver.extra:
        how = f"the operator installs it with the extra '{driver.extra}' ({driver.install})"
    else:
        how = f"the operator installs it ({driver.install})"
    return SourceFailure(
        Code.SOURCE_DRIVER_MISSING,
        FailureClass.INTERNAL,
        f"this dcaas installation lacks {what} for {engine.name}: {how}",
        http_status=503,
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


def offset_of(token: str | None) -> int:
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


class SqlConnector:
    """One connection of an engine; instances live for one API call."""

    engine: ClassVar[Engine]

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self.props: Any = self.engine.properties.model_validate(properties)
        self.context = context
        self.endpoint: Endpoint = self.engine.endpoint(self.props)
        self.addresses: list[str] = []
        self.session: Session | None = None
        self._worker: Worker | None = None
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    # -- test -------------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        plan: list[tuple[str, Action]] = []
        if self.engine.missing() is not None:
            plan.append((Step.DRIVER, self._require_driver))
        plan += [(Step.RESOLVE, self._resolve), (Step.CONNECT, self._connect)]
        if self.endpoint.tls is not None:
            plan.append((Step.TLS, self._tls))
        plan += [(Step.AUTHENTICATE, self._login), (Step.REACH_DATABASE, self._reach)]
        await run_plan(steps, plan)

    async def _require_driver(self) -> None:
        missing = self.engine.missing()
        if missing is not None:
            raise driver_missing(self.engine, missing)

    async def _resolve(self) -> None:
        end = self.endpoint
        self.addresses = await self.context.outbound.resolve(end.host, end.port)

    async def _connect(self) -> None:
        stream = await connect_any(self.addresses, self.endpoint.port, self.context.connect_timeout)
        if self.endpoint.tls is None:
            await close(stream[1])
        else:
            self._stream = stream  # the tls step continues on it: one connection, not two

    async def _tls(self) -> None:
        tls, seconds = self.endpoint.tls, self.context.connect_timeout
        if tls is None:
            return
        stream, self._stream = self._stream, None
        reader, writer = stream or await connect_any(self.addresses, self.endpoint.port, seconds)
        try:
            if tls.handshake is not None:
                async with asyncio.timeout(seconds):
                    offered = await tls.handshake(reader, writer, tls.context, self.endpoint.host)
            else:
                offered = True if tls.start is None else await tls.start(reader, writer)
                if offered:
                    await tls_handshake(writer, tls.context, self.endpoint.host, seconds)
            if not offered and tls.required:
                raise SourceFailure(
                    Code.SOURCE_TLS_FAILED,
                    FailureClass.CONFIGURATION,
                    "the server does not offer TLS, which the connection's TLS setting "
                    "needs; enable TLS on the server or change the setting",
                    http_status=400,
                )
        finally:
            await close(writer)

    async def _login(self) -> None:
        guard = Guard(self.context.outbound, {self.endpoint.host: self.addresses})
        self._worker = Worker(f"dcaas-sql-{self.engine.name}", guard)
        link = Link(
            self.endpoint.host, self.endpoint.port, self.addresses, self.context, self._worker
        )
        try:
            self.session = await self.engine.connect(self.props, link)
        except ImportError as exc:
            raise driver_missing(self.engine, exc.name) from None

    async def _reach(self) -> None:
        session = self._session()
        await session.use()
        if self.engine.catalog is None:
            await session.query(self.engine.queries.reach)

    def _session(self) -> Session:
        if self.session is None:
            raise ConnectionError("not connected")
        return self.session

    async def _open(self) -> Session:
        """Resolve, log in and select the database (browse and preview)."""
        await self._require_driver()
        await self._resolve()
        await self._login()
        session = self._session()
        await session.use()
        return session

    async def aclose(self) -> None:
        if self._stream is not None:  # a test that stopped between connect and tls
            await close(self._stream[1])
            self._stream = None
        session, self.session = self.session, None
        if session is not None:
            await session.close()
        if self._worker is not None:
            self._worker.close()

    # -- browse -----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        parts = split_path(path)
        if len(parts) > 2:  # noqa: PLR2004 - schema/table is the deepest level
            raise not_found(f"the path {path!r}")
        session = await self._open()
        if self.engine.catalog is not None:
            catalog = self.engine.catalog(self.props, session)
            return await _catalog_page(catalog, parts, limit, token)
        offset = offset_of(token)
        await self._require(session, parts)
        listing = [self._schemas, self._tables, self._columns][len(parts)]
        entries = await listing(session, parts, limit, offset)
        more = len(entries) > limit
        return EntryPage(entries[:limit], str(offset + limit) if more else None)

    async def _require(self, session: Session, parts: list[str]) -> None:
        q = self.engine.queries
        if len(parts) == 1 and not (await session.query(q.schema_exists, parts)).rows:
            raise not_found(f"the schema {parts[0]!r}")
        if len(parts) == 2 and not (await session.query(q.table_exists, parts)).rows:  # noqa: PLR2004
            raise not_found(f"the table {parts[1]!r} in {parts[0]!r}")

    async def _page(
        self, session: Session, sql: str, args: list[Any], limit: int, offset: int
    ) -> list[tuple[Any, ...]]:
        """One page and one row more (to tell whether another page follows)."""
        paging = self.engine.queries.paging
        if paging == "limit":  # numbers we computed: safe to write into the statement
            return (await session.query(f"{sql} LIMIT {limit + 1} OFFSET {offset}", args)).rows
        if paging == "fetch":
            cut = f"{sql} OFFSET {offset} ROWS FETCH NEXT {limit + 1} ROWS ONLY"
            return (await session.query(cut, args)).rows
        rows = (await session.query(sql, args, max_rows=offset + limit + 1)).rows
        return rows[offset:]

    async def _schemas(
        self, session: Session, _: list[str], limit: int, offset: int
    ) -> list[Entry]:
        hidden = ", ".join("'" + s + "'" for s in self.engine.system_schemas)  # constants
        sql = self.engine.queries.schemas.format(hidden=hidden)
        rows = await self._page(session, sql, [], limit, offset)
        return [Entry(name=str(r[0]), path=join_path(str(r[0])), type="schema") for r in rows]

    async def _tables(
        self, session: Session, parts: list[str], limit: int, offset: int
    ) -> list[Entry]:
        rows = await self._page(session, self.engine.queries.tables, parts, limit, offset)
        return [
            Entry(
                name=str(r[0]),
                path=join_path(parts[0], str(r[0])),
                type="view" if "VIEW" in str(r[1]).upper() else "table",
            )
            for r in rows
        ]

    async def _columns(
        self, session: Session, parts: list[str], limit: int, offset: int
    ) -> list[Entry]:
        rows = await self._page(session, self.engine.queries.columns, parts, limit, offset)
        return [
            Entry(
                name=str(r[0]),
                path=join_path(parts[0], parts[1], str(r[0])),
                type="column",
                extra={"dataType": r[1], "nullable": str(r[2]).upper() in {"YES", "Y", "TRUE"}},
            )
            for r in rows
        ]

    # -- preview ----------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        """The first ``max_rows`` rows of ``schema/table``; names quoted, never pasted."""
        parts = split_path(path)
        if len(parts) != 2:  # noqa: PLR2004
            raise not_found(f"a table at {path!r} (give schema/table)")
        session = await self._open()
        if self.engine.catalog is not None:
            catalog = self.engine.catalog(self.props, session)
            result = await catalog.preview(parts[0], parts[1], max_rows + 1)
        else:
            await self._require(session, parts)
            sql = preview_sql(self.engine, session, parts[0], parts[1], max_rows + 1)
            result = await session.query(sql, max_rows=max_rows + 1)
        return _preview(path, result, max_bytes, max_rows)


def preview_sql(engine: Engine, session: Session, schema: str, table: str, rows: int) -> str:
    """The one place a user's names enter a statement: quoted by the engine's rule (or, for
    ODBC, the driver's own quote character), and run without parameters, so ``%`` and ``?``
    in a name stay part of the name."""
    quote = getattr(session, "quote", None) or engine.quote
    name = f"{quote(schema)}.{quote(table)}"
    return engine.queries.preview.format(table=name, limit=int(rows))


def _preview(path: str, result: Rows, max_bytes: int, max_rows: int) -> Preview:
    values = [[cell(v) for v in row] for row in result.rows[:max_rows]]
    size = sum(len(str(v)) for row in values for v in row)
    return Preview(
        path,
        "rows",
        columns=result.columns,
        rows=values,
        bytes_read=min(size, max_bytes),
        truncated=len(result.rows) > max_rows,
    )


async def _catalog_page(
    catalog: Catalog, parts: list[str], limit: int, token: str | None
) -> EntryPage:
    if not parts:
        items, nxt = await catalog.schemas(limit, token)
    elif len(parts) == 1:
        items, nxt = await catalog.tables(parts[0], limit, token)
    else:
        items, nxt = await catalog.columns(parts[0], parts[1], limit, token)
    return EntryPage(items[:limit], nxt)


def connector_for(engine: Engine) -> type[SqlConnector]:
    """The connector class of one engine (what ``DataSource.connector`` names)."""
    name = "".join(p.capitalize() for p in engine.name.replace("-", "_").split("_"))
    return type(f"{name}Connector", (SqlConnector,), {"engine": engine})
