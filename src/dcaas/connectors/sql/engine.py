"""What one SQL engine declares; the layer (:mod:`.layer`) does everything else with it.

An :class:`Engine` says

* where the server is (:attr:`Engine.endpoint`: host and port from the properties) and how
  TLS is checked there (:class:`Tls`: a direct handshake, or the protocol's own "start TLS"
  exchange; none where the driver does TLS inside its own protocol, as TDS does);
* how properties become a driver connection (:attr:`Engine.connect`: an async function
  returning a :class:`Session`; sync drivers run in a :class:`~.worker.Worker`);
* only the queries that differ from ``information_schema`` (:class:`Queries`), how a page
  is cut (``LIMIT``, ``OFFSET ... FETCH`` or in the client), how identifiers are quoted, or
  a whole :class:`Catalog` for engines browsed through an API (Athena, BigQuery);
* capability flags (read-only sessions, whether browse and preview run).

Queries are constants with ``?`` placeholders; a session converts them to its driver's
parameter style. User input (schema and table names) is passed as parameters, except in a
preview, where names are quoted by :attr:`Engine.quote` and the statement runs without
parameters, so a ``%`` or ``?`` in a quoted name is never taken for a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Sequence

    from dcaas.connectors.base import ConnectorContext, Entry
    from dcaas.connectors.drivers.net import PinnedContext
    from dcaas.connectors.spec import ConnectorProperties, Driver
    from dcaas.connectors.sql.worker import Worker


@dataclass
class Rows:
    """A result: column names and rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


class Session(Protocol):
    """A logged-in driver connection."""

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        """Run ``sql`` (``?`` placeholders); at most ``max_rows`` rows when given."""
        ...

    async def use(self) -> None:
        """Select the configured database, where the driver does that after login."""
        ...

    async def close(self) -> None:
        """Close without waiting on a server that stopped answering."""
        ...


@dataclass(frozen=True)
class Endpoint:
    """The server to resolve, connect to and (with ``tls``) check."""

    host: str
    port: int
    tls: Tls | None = None


@dataclass(frozen=True)
class Tls:
    """How the ``tls`` step checks the server.

    ``start``: the protocol's "start TLS" exchange (PostgreSQL's SSLRequest, MySQL's
    capability flag), or None for TLS from the first byte (HTTPS, Oracle TCPS).
    ``required``: fail when the server offers no TLS (a ``prefer`` mode passes instead).
    """

    context: PinnedContext
    start: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]] | None = None
    required: bool = True
    # A protocol that carries the handshake inside its own packets (TDS) does it all here:
    # (reader, writer, context, host) -> whether the server offered TLS.
    handshake: (
        Callable[[asyncio.StreamReader, asyncio.StreamWriter, PinnedContext, str], Awaitable[bool]]
        | None
    ) = None


@dataclass
class Link:
    """What :attr:`Engine.connect` gets besides the properties."""

    host: str
    port: int
    addresses: list[str]  # checked by the outbound policy; connect to these, not the name
    context: ConnectorContext
    worker: Worker  # runs blocking driver calls; its thread resolves through the policy


Paging = Literal["limit", "fetch", "client"]


@dataclass(frozen=True)
class Queries:
    """The catalog queries; engines override only those that differ."""

    schemas: str = (
        "SELECT schema_name FROM information_schema.schemata "
        "WHERE schema_name NOT IN ({hidden}) ORDER BY schema_name"
    )
    schema_exists: str = "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?"
    tables: str = (
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = ? ORDER BY table_name"
    )
    table_exists: str = (
        "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    )
    columns: str = (
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position"
    )
    reach: str = "SELECT 1"
    # How one page is cut: LIMIT ? OFFSET ?, OFFSET ? ROWS FETCH NEXT ? ROWS ONLY, or by
    # reading offset + limit rows and dropping the first ``offset`` (engines without either).
    paging: Paging = "limit"
    # The first rows of a table: {table} is the quoted name, {limit} a number.
    preview: str = "SELECT * FROM {table} LIMIT {limit}"


class Catalog(Protocol):
    """Browse and preview for engines whose catalog is an API rather than SQL."""

    async def schemas(self, limit: int, token: str | None) -> tuple[list[Entry], str | None]: ...

    async def tables(
        self, schema: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]: ...

    async def columns(
        self, schema: str, table: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]: ...

    async def preview(self, schema: str, table: str, max_rows: int) -> Rows: ...


def double_quote(name: str) -> str:
    """ANSI identifier quoting: ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def backtick(name: str) -> str:
    """MySQL, Databricks and BigQuery quoting: ``\\`a\\`\\`b\\```."""
    return "`" + name.replace("`", "``") + "`"


def bracket(name: str) -> str:
    """SQL Server quoting: ``[a]]b]``."""
    return "[" + name.replace("]", "]]") + "]"


@dataclass(frozen=True)
class Engine:
    """One SQL engine's declaration."""

    name: str
    properties: type[ConnectorProperties]
    driver: Driver | None  # None: the driver ships with dcaas itself
    endpoint: Callable[[Any], Endpoint]
    connect: Callable[[Any, Link], Awaitable[Session]]
    queries: Queries = field(default_factory=Queries)
    quote: Callable[[str], str] = double_quote
    system_schemas: tuple[str, ...] = ("information_schema",)
    # Engines browsed through an API build their catalog from the open session.
    catalog: Callable[[Any, Any], Catalog] | None = None
    # Capability flags.
    read_only_session: bool = True  # the session itself refuses writes
    browse: bool = True
    preview: bool = True

    def missing(self) -> str | None:
        """The driver module that is not installed, if any."""
        return None if self.driver is None else self.driver.missing()

    def capabilities(self) -> tuple[str, ...]:
        caps = ["test-connection"]
        caps += ["browse"] if self.browse else []
        caps += ["preview"] if self.preview else []
        caps += ["read-only-session"] if self.read_only_session else []
        return tuple(caps)
