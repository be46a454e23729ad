"""MySQL and MariaDB through aiomysql (non-blocking, so no worker thread).

aiomysql quietly falls back to plain TCP when the server offers no TLS, after which the
login would travel unencrypted; for sslMode require and stricter the server's greeting is
therefore checked for TLS before logging in. ``database`` is the schema selected after
login, so a missing one fails ``reach-database``, not ``authenticate``.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.drivers.net import close, connect_any
from dcaas.connectors.sql.engine import Endpoint, Engine, Rows, backtick
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import SqlProperties, port
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import roots_of, sslmode_context, sslmode_tls
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Sequence

    from dcaas.connectors.sql.engine import Link

_CLIENT_SSL = 0x0800
_SSL_FLAGS = 0x0001 | 0x0200 | _CLIENT_SSL | 0x8000  # long password, protocol 41, ssl, secure
_HANDSHAKE_V10 = 10
_ERROR = 0xFF
_UTF8MB4 = 45


class MysqlProperties(SqlProperties):
    """Properties of a MySQL or MariaDB connection."""

    port: int = port(3306)


def _not_mysql() -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_PROTOCOL_ERROR,
        FailureClass.CONFIGURATION,
        "the server does not speak the MySQL protocol; check the port",
        http_status=400,
    )


async def _capabilities(reader: asyncio.StreamReader) -> int:
    """The capability flags of the server's greeting (raises the server's refusal)."""
    import pymysql  # noqa: PLC0415 - drivers load on first use

    header = await reader.readexactly(4)
    payload = await reader.readexactly(int.from_bytes(header[:3], "little"))
    if payload[0] == _ERROR:
        raise pymysql.err.OperationalError(int.from_bytes(payload[1:3], "little"), "refused")
    if payload[0] != _HANDSHAKE_V10 or b"\0" not in payload[1:]:
        raise _not_mysql()
    at = payload.index(b"\0", 1) + 1 + 4 + 8 + 1  # version, thread id, salt, filler
    return int.from_bytes(payload[at : at + 2], "little")


async def start_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """MySQL's SSL request after the greeting: whether the server offered TLS."""
    if not await _capabilities(reader) & _CLIENT_SSL:
        return False
    payload = struct.pack("<IIB23x", _SSL_FLAGS, 1 << 24, _UTF8MB4)
    writer.write(len(payload).to_bytes(3, "little") + b"\x01" + payload)
    await writer.drain()
    return True


class AiomysqlSession:
    """An aiomysql connection; the database is selected by :meth:`use`."""

    def __init__(self, conn: Any, database: str) -> None:
        self.conn = conn
        self.database = database

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        async with self.conn.cursor() as cursor:
            # Only the layer's own statements carry arguments; a preview (quoted names, where
            # a "%" or "?" may be part of a name) runs without any, so nothing is formatted.
            if args:
                await cursor.execute(sql.replace("?", "%s"), tuple(args))
            else:
                await cursor.execute(sql)
            rows = await (cursor.fetchmany(max_rows) if max_rows else cursor.fetchall())
            columns = [d[0] for d in cursor.description or ()]
        return Rows(columns, [tuple(r) for r in rows])

    async def use(self) -> None:
        await self.conn.select_db(self.database)

    async def close(self) -> None:
        self.conn.close()  # closes the socket without waiting on the server


async def _require_tls_offered(props: MysqlProperties, link: Link) -> None:
    reader, writer = await connect_any(link.addresses, props.port, link.context.connect_timeout)
    try:
        offered = await _capabilities(reader) & _CLIENT_SSL
    finally:
        await close(writer)
    if not offered:
        raise SourceFailure(
            Code.SOURCE_TLS_FAILED,
            FailureClass.CONFIGURATION,
            f"the server does not offer TLS, which sslMode {props.sslMode} needs",
            http_status=400,
        )


def _endpoint(props: MysqlProperties) -> Endpoint:
    tls = sslmode_tls(props.host, props.sslMode, roots_of(props.rootCertificates), start_tls)
    return Endpoint(props.host, props.port, tls)


async def _connect(props: MysqlProperties, link: Link) -> AiomysqlSession:
    import aiomysql  # noqa: PLC0415 - drivers load on first use

    mode = props.sslMode
    if mode not in {"disable", "prefer"}:
        await _require_tls_offered(props, link)
    ssl = None
    if mode != "disable":
        ssl = sslmode_context(props.host, mode, roots_of(props.rootCertificates))
    conn = await aiomysql.connect(
        host=link.addresses[0],
        port=props.port,
        user=props.username,
        password=props.password or "",
        db=None,
        ssl=ssl,
        connect_timeout=link.context.connect_timeout,
        autocommit=True,
        charset="utf8mb4",
        init_command="SET SESSION TRANSACTION READ ONLY",
    )
    return AiomysqlSession(conn, props.database)


MYSQL_ENGINE = Engine(
    name="mysql",
    properties=MysqlProperties,
    driver=None,  # aiomysql is one of dcaas's own dependencies
    endpoint=_endpoint,
    connect=_connect,
    quote=backtick,
    system_schemas=("information_schema", "mysql", "performance_schema", "sys"),
)
MysqlConnector = connector_for(MYSQL_ENGINE)
MYSQL = sql_source(
    MYSQL_ENGINE,
    source_id="mysql",
    name="MySQL / MariaDB",
    connector="dcaas.connectors.sql.mysql:MysqlConnector",
    qri=("{host}:{port}/{database}", ("host", "port", "database")),
)
