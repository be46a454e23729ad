"""MySQL and MariaDB through aiomysql, on top of :class:`.sql.SqlConnector`.

aiomysql quietly falls back to plain TCP when the server offers no TLS, after which the
login would travel unencrypted; for sslMode require and stricter the server's greeting is
therefore checked for TLS before logging in.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, ClassVar

import aiomysql
import pymysql

from dcaas.connectors.base import ConnectorContext, FailureClass, SourceFailure
from dcaas.connectors.drivers.net import close, connect_any
from dcaas.connectors.drivers.sql import SqlConnector, outside_quotes
from dcaas.connectors.mysql import MysqlProperties
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio

_CLIENT_SSL = 0x0800
_SSL_FLAGS = 0x0001 | 0x0200 | _CLIENT_SSL | 0x8000  # long password, protocol 41, ssl, secure
_HANDSHAKE_V10 = 10
_ERROR = 0xFF
_UTF8MB4 = 45


def _not_mysql() -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_PROTOCOL_ERROR,
        FailureClass.CONFIGURATION,
        "the server does not speak the MySQL protocol; check the port",
        http_status=400,
    )


async def _capabilities(reader: asyncio.StreamReader) -> int:
    """The capability flags of the server's greeting (raises the server's refusal)."""
    header = await reader.readexactly(4)
    payload = await reader.readexactly(int.from_bytes(header[:3], "little"))
    if payload[0] == _ERROR:
        raise pymysql.err.OperationalError(int.from_bytes(payload[1:3], "little"), "refused")
    if payload[0] != _HANDSHAKE_V10 or b"\0" not in payload[1:]:
        raise _not_mysql()
    at = payload.index(b"\0", 1) + 1 + 4 + 8 + 1  # version, thread id, salt, filler
    return int.from_bytes(payload[at : at + 2], "little")


def format_style(sql: str) -> str:
    """Our ``?`` placeholders in pymysql's ``%s`` style, everything else kept literally.

    pymysql formats the query with ``%`` when arguments are given, so every other ``%``
    is doubled, and a ``?`` inside a quoted name or string (a table named ``q?x``) stays.
    """
    return outside_quotes(sql.replace("%", "%%"), lambda part: part.replace("?", "%s"))


class MysqlConnector(SqlConnector):
    """One MySQL or MariaDB server; ``database`` is the schema selected after login."""

    properties_model = MysqlProperties
    system_schemas: ClassVar[tuple[str, ...]] = (
        "information_schema",
        "mysql",
        "performance_schema",
        "sys",
    )

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        super().__init__(properties, context)
        self._conn: aiomysql.Connection | None = None

    async def _start_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if not await _capabilities(reader) & _CLIENT_SSL:
            return False
        payload = struct.pack("<IIB23x", _SSL_FLAGS, 1 << 24, _UTF8MB4)
        writer.write(len(payload).to_bytes(3, "little") + b"\x01" + payload)
        await writer.drain()
        return True

    async def _require_tls_offered(self) -> None:
        reader, writer = await connect_any(
            self.addresses, self.props.port, self.context.connect_timeout
        )
        try:
            offered = await _capabilities(reader) & _CLIENT_SSL
        finally:
            await close(writer)
        if not offered:
            raise SourceFailure(
                Code.SOURCE_TLS_FAILED,
                FailureClass.CONFIGURATION,
                f"the server does not offer TLS, which sslMode {self.props.sslMode} needs",
                http_status=400,
            )

    async def _login(self) -> None:
        mode = self.props.sslMode
        if mode not in {"disable", "prefer"}:
            await self._require_tls_offered()
        self._conn = await aiomysql.connect(
            host=self.addresses[0],
            port=self.props.port,
            user=self.props.username,
            password=self.props.password or "",
            db=None,
            ssl=None if mode == "disable" else self.ssl_context(),
            connect_timeout=self.context.connect_timeout,
            autocommit=True,
            charset="utf8mb4",
            init_command="SET SESSION TRANSACTION READ ONLY",
        )

    async def _use_database(self) -> None:
        if self._conn is None:
            raise ConnectionError("not connected")
        await self._conn.select_db(self.props.database)

    async def _rows(self, sql: str, *args: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self._conn is None:
            raise ConnectionError("not connected")
        async with self._conn.cursor() as cursor:
            await cursor.execute(format_style(sql) if args else sql, args or None)
            rows = await cursor.fetchall()
            columns = [d[0] for d in cursor.description or ()]
        return columns, [tuple(r) for r in rows]

    def _quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    async def aclose(self) -> None:
        if self._conn is not None:
            self._conn.close()  # closes the socket without waiting on the server
