"""Oracle Database through python-oracledb in thin mode, with its asyncio API (no thread).

The driver connects to the address the outbound policy checked; with ``protocol`` TCPS the
handshake is verified against the configured host name (a pinned TLS context), which the
``tls`` step checks first. Each call runs in one read-only transaction. Browsing reads the
``ALL_*`` dictionary views; pages are cut with ``OFFSET ... FETCH`` (Oracle 12c and later).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    FileItem,
    destination,
    file_list,
    secret,
)
from dcaas.connectors.sql.dbapi import convert
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries, Rows
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import host, port
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import https_tls, roots_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dcaas.connectors.sql.engine import Link


class OracleProperties(ConnectorProperties):
    """Properties of an Oracle Database connection."""

    host: str = host(example="oracle.example.com")
    port: int = port(1521, "Listener port (2484 is usual for TCPS)")
    serviceName: str = Field(
        min_length=1, max_length=255, description="Service name, e.g. ORCLPDB1"
    )
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password")
    protocol: Literal["TCP", "TCPS"] = destination(
        "TCP",
        description="TCPS: TLS, verified against the host name",
    )
    rootCertificates: list[FileItem] | None = file_list(
        description="PEM root certificates for TCPS (else the system's)", is_destination=True
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",), ("password",))


class OracleSession:
    """An ``oracledb.AsyncConnection``."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        cursor = self.conn.cursor()
        try:
            if args:
                await cursor.execute(*convert(sql, args, "numeric"))
            else:
                await cursor.execute(sql)
            columns = [str(d[0]) for d in cursor.description or ()]
            rows = await (cursor.fetchmany(max_rows) if max_rows else cursor.fetchall())
            return Rows(columns, [tuple(r) for r in rows])
        finally:
            cursor.close()

    async def use(self) -> None:
        return None

    async def close(self) -> None:
        await self.conn.close()


def _endpoint(props: OracleProperties) -> Endpoint:
    tls = https_tls(props.host, roots_of(props.rootCertificates))
    return Endpoint(props.host, props.port, tls if props.protocol == "TCPS" else None)


def connect_args(props: OracleProperties, link: Link) -> dict[str, Any]:
    """The driver's arguments: the checked address; TLS checks the configured name."""
    args: dict[str, Any] = {
        "user": props.username,
        "password": props.password,
        "host": link.addresses[0],
        "port": props.port,
        "service_name": props.serviceName,
        "tcp_connect_timeout": link.context.connect_timeout,
    }
    endpoint = _endpoint(props)
    if endpoint.tls is not None:
        args |= {"protocol": "tcps", "ssl_context": endpoint.tls.context}
    return args


async def _connect(props: OracleProperties, link: Link) -> OracleSession:
    import oracledb  # noqa: PLC0415 - drivers load on first use

    conn = await oracledb.connect_async(**connect_args(props, link))
    session = OracleSession(conn)
    await session.query("SET TRANSACTION READ ONLY")
    return session


ORACLE_ENGINE = Engine(
    name="oracle",
    properties=OracleProperties,
    driver=Driver(extra="oracle", modules=("oracledb",), package="oracledb"),
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(
        schemas="SELECT username FROM all_users WHERE oracle_maintained = 'N' ORDER BY username",
        schema_exists="SELECT 1 FROM all_users WHERE username = ?",
        tables="SELECT object_name, object_type FROM all_objects WHERE owner = ? "
        "AND object_type IN ('TABLE', 'VIEW') ORDER BY object_name",
        table_exists="SELECT 1 FROM all_objects WHERE owner = ? AND object_name = ? "
        "AND object_type IN ('TABLE', 'VIEW')",
        columns="SELECT column_name, data_type, nullable FROM all_tab_columns "
        "WHERE owner = ? AND table_name = ? ORDER BY column_id",
        reach="SELECT 1 FROM dual",
        paging="fetch",
        preview="SELECT * FROM {table} FETCH FIRST {limit} ROWS ONLY",
    ),
)
OracleConnector = connector_for(ORACLE_ENGINE)
ORACLE = sql_source(
    ORACLE_ENGINE,
    source_id="oracle",
    name="Oracle Database",
    connector="dcaas.connectors.sql.oracle:OracleConnector",
    qri=("{host}:{port}/{serviceName}", ("host", "port", "serviceName")),
)
