"""PostgreSQL through asyncpg (non-blocking, so no worker thread).

TLS: PostgreSQL's SSLRequest, then a handshake with the sslMode's checks. Sessions are
read-only (``default_transaction_read_only``). A missing database is not an
authentication failure: the server checks the password first, so ``authenticate`` passes
and ``reach-database`` reports it.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Any

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries, Rows
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import SqlProperties, port
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import roots_of, sslmode_context, sslmode_tls
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Sequence

    from dcaas.connectors.sql.engine import Link

_SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # the protocol's SSLRequest message
_PLACEHOLDER = re.compile(r"\?")


class PostgresProperties(SqlProperties):
    """Properties of a PostgreSQL connection."""

    port: int = port(5432)


async def start_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """PostgreSQL's SSLRequest: whether the server agrees to TLS (Redshift's too)."""
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


class AsyncpgSession:
    """An asyncpg connection; ``missing`` holds a login's missing-database error."""

    def __init__(self, conn: Any, missing: Exception | None = None) -> None:
        self.conn = conn
        self.missing = missing

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        await self.use()
        if args:
            counter = iter(range(1, len(args) + 1))
            sql = _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)
        statement = await self.conn.prepare(sql)
        columns = [a.name for a in statement.get_attributes()]
        records = await statement.fetch(*args)
        if max_rows is not None:
            records = records[:max_rows]
        return Rows(columns, [tuple(r) for r in records])

    async def use(self) -> None:
        if self.missing is not None:
            raise self.missing

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.terminate()  # never waits on a server that stopped answering


def _endpoint(props: PostgresProperties) -> Endpoint:
    tls = sslmode_tls(props.host, props.sslMode, roots_of(props.rootCertificates), start_tls)
    return Endpoint(props.host, props.port, tls)


async def _connect(props: PostgresProperties, link: Link) -> AsyncpgSession:
    import asyncpg  # noqa: PLC0415 - drivers load on first use

    mode = props.sslMode
    ssl: Any = False if mode == "disable" else "prefer" if mode == "prefer" else None
    if ssl is None:
        ssl = sslmode_context(props.host, mode, roots_of(props.rootCertificates))
    try:
        conn = await asyncpg.connect(
            host=link.addresses,
            port=props.port,
            user=props.username,
            password=props.password or "",
            database=props.database,
            ssl=ssl,
            timeout=link.context.connect_timeout,
            command_timeout=link.context.total_timeout,
            server_settings={"default_transaction_read_only": "on", "application_name": "dcaas"},
        )
    except asyncpg.InvalidCatalogNameError as exc:
        # Not a classification: the login passed; reach-database reports the database.
        return AsyncpgSession(None, exc)
    return AsyncpgSession(conn)


POSTGRES_ENGINE = Engine(
    name="postgresql",
    properties=PostgresProperties,
    driver=None,  # asyncpg is one of dcaas's own dependencies
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(
        schemas="SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
        "({hidden}) AND substr(schema_name, 1, 3) <> 'pg_' ORDER BY schema_name",
    ),
    system_schemas=("information_schema", "pg_catalog", "pg_toast"),
)
PostgresConnector = connector_for(POSTGRES_ENGINE)
POSTGRESQL = sql_source(
    POSTGRES_ENGINE,
    source_id="postgresql",
    name="PostgreSQL",
    connector="dcaas.connectors.sql.postgresql:PostgresConnector",
    qri=("{host}:{port}/{database}", ("host", "port", "database")),
)
