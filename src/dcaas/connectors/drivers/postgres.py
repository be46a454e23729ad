"""PostgreSQL through asyncpg, on top of :class:`~dcaas.connectors.drivers.sql.SqlConnector`."""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Any, ClassVar

import asyncpg

from dcaas.connectors.base import ConnectorContext, FailureClass, SourceFailure
from dcaas.connectors.drivers.sql import SqlConnector, outside_quotes
from dcaas.connectors.postgresql import PostgresProperties
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio

_SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # the protocol's SSLRequest message
_PLACEHOLDER = re.compile(r"\?")


class PostgresConnector(SqlConnector):
    """One PostgreSQL database; read-only sessions."""

    properties_model = PostgresProperties
    system_schemas: ClassVar[tuple[str, ...]] = ("information_schema", "pg_catalog", "pg_toast")

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        super().__init__(properties, context)
        self._conn: asyncpg.Connection | None = None
        self._missing_database: asyncpg.InvalidCatalogNameError | None = None

    async def _start_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(_SSL_REQUEST)
        await writer.drain()
        answer = await reader.readexactly(1)
        if answer not in {b"S", b"N"}:
            raise SourceFailure(
                Code.SOURCE_PROTOCOL_ERROR,
                FailureClass.CONFIGURATION,
                "the server does not speak the PostgreSQL protocol; check the port",
                http_status=400,
            )
        return answer == b"S"

    async def _login(self) -> None:
        mode = self.props.sslMode
        ssl: Any = False if mode == "disable" else "prefer" if mode == "prefer" else None
        if ssl is None:
            ssl = self.ssl_context()
        try:
            self._conn = await asyncpg.connect(
                host=self.addresses,
                port=self.props.port,
                user=self.props.username,
                password=self.props.password or "",
                database=self.props.database,
                ssl=ssl,
                timeout=self.context.connect_timeout,
                command_timeout=self.context.total_timeout,
                server_settings={
                    "default_transaction_read_only": "on",
                    "application_name": "dcaas",
                },
            )
        except asyncpg.InvalidCatalogNameError as exc:
            # Not a classification: the server checks the password before the database, so
            # the login passed and the missing database is reach-database's failure.
            self._missing_database = exc

    async def _use_database(self) -> None:
        if self._missing_database is not None:
            raise self._missing_database

    async def _rows(self, sql: str, *args: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self._conn is None:
            await self._use_database()
            raise ConnectionError("not connected")
        if args:
            counter = iter(range(1, len(args) + 1))
            # Only our own placeholders: a ? inside a quoted name (a table "q?x") stays.
            sql = outside_quotes(
                sql, lambda part: _PLACEHOLDER.sub(lambda _: f"${next(counter)}", part)
            )
        statement = await self._conn.prepare(sql)
        columns = [a.name for a in statement.get_attributes()]
        records = await statement.fetch(*args)
        return columns, [tuple(r) for r in records]

    def _quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    async def aclose(self) -> None:
        if self._conn is not None:
            self._conn.terminate()  # never waits on a server that stopped answering
