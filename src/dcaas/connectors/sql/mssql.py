"""Microsoft SQL Server, Azure SQL Database and Azure Synapse through pymssql (FreeTDS).

pymssql runs in a worker thread and, being C, resolves names itself: it is given the
address the outbound policy checked. FreeTDS encrypts (``encrypt``) but does not verify the
server's certificate, so with ``encrypt`` on and ``trustServerCertificate`` off the ``tls``
step verifies it (chain and host name) over TDS's own pre-login exchange, on its own
connection to the same address, before any credentials are sent; with
``trustServerCertificate`` on, that step checks only that the server offers TLS. The login
declares a read-only intent (which routes, not enforces): dcaas runs only catalog queries
and ``SELECT TOP`` previews.
"""

from __future__ import annotations

import ssl
import struct
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.drivers.net import tls_context
from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    FileItem,
    destination,
    file_list,
    secret,
)
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries, Tls, bracket
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import host, port
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import roots_of
from dcaas.errors import Code

if TYPE_CHECKING:
    import asyncio

    from dcaas.connectors.drivers.net import PinnedContext
    from dcaas.connectors.sql.engine import Link

_PRELOGIN, _REPLY = 0x12, 0x04
_ENCRYPTION, _TERMINATOR = 0x01, 0xFF
_ENCRYPT_ON, _ENCRYPT_NOT_SUPPORTED = 0x01, 0x02
_HEADER = struct.Struct(">BBHHBB")  # type, status, length, spid, packet id, window


class MssqlProperties(ConnectorProperties):
    """Properties of a SQL Server connection (Qlik's names)."""

    host: str = host(example="sql.example.com")
    port: int = port(1433)
    database: str = Field(min_length=1, max_length=128, description="Database to connect to")
    username: str | None = secret(description="SQL Server login")
    password: str | None = secret(description="Password")
    encrypt: bool = destination(
        default=True,
        description="Encrypt the connection (TLS inside TDS)",
    )
    trustServerCertificate: bool = destination(
        default=False,
        description="Accept any server certificate (only for servers you trust otherwise)",
    )
    rootCertificates: list[FileItem] | None = file_list(
        description="PEM root certificates of a private CA (else the system's)",
        is_destination=True,
    )
    QueryTimeout: int | None = Field(
        default=None, ge=1, le=3600, description="Seconds a query may run (capped by dcaas's)"
    )
    maxStringLength: int | None = Field(
        default=None,
        ge=1,
        le=1_048_576,
        description="Qlik's longest string; accepted (previews cut text at 4096 characters)",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",), ("password",))


def _packet(kind: int, payload: bytes) -> bytes:
    return _HEADER.pack(kind, 0x01, _HEADER.size + len(payload), 0, 1, 0) + payload


def _prelogin() -> bytes:
    """A PRELOGIN message asking for encryption (VERSION and ENCRYPTION options)."""
    options = 2 * 5 + 1
    version = bytes(6)
    head = struct.pack(">BHH", 0x00, options, len(version))
    head += struct.pack(">BHH", _ENCRYPTION, options + len(version), 1)
    return head + bytes([_TERMINATOR]) + version + bytes([_ENCRYPT_ON])


async def _read_packet(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    kind, _, length, *_ = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    if length < _HEADER.size:
        raise _not_tds()
    return kind, await reader.readexactly(length - _HEADER.size)


def _not_tds() -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_PROTOCOL_ERROR,
        FailureClass.CONFIGURATION,
        "the server does not speak SQL Server's protocol (TDS); check the port",
        http_status=400,
    )


def _encryption(payload: bytes) -> int:
    at = 0
    while at + 5 <= len(payload) and payload[at] != _TERMINATOR:
        token, offset, length = struct.unpack_from(">BHH", payload, at)
        if token == _ENCRYPTION and length >= 1 and offset < len(payload):
            return int(payload[offset])
        at += 5
    raise _not_tds()


async def tds_tls(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: PinnedContext,
    server_name: str,
) -> bool:
    """TDS pre-login, then the TLS handshake carried in PRELOGIN packets; whether offered."""
    writer.write(_packet(_PRELOGIN, _prelogin()))
    await writer.drain()
    kind, payload = await _read_packet(reader)
    if kind != _REPLY:
        raise _not_tds()
    if _encryption(payload) == _ENCRYPT_NOT_SUPPORTED:
        return False
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    while True:
        try:
            tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        if data := outgoing.read():
            writer.write(_packet(_PRELOGIN, data))
            await writer.drain()
        if done:
            return True
        incoming.write((await _read_packet(reader))[1])


def _endpoint(props: MssqlProperties) -> Endpoint:
    if not props.encrypt:
        return Endpoint(props.host, props.port)
    roots = roots_of(props.rootCertificates)
    if props.trustServerCertificate:
        context = tls_context(props.host, verify="none")
    else:
        context = tls_context(props.host, verify="custom" if roots else "default", roots=roots)
    return Endpoint(props.host, props.port, Tls(context, handshake=tds_tls))


def connect_args(props: MssqlProperties, link: Link) -> dict[str, Any]:
    """pymssql's arguments: the checked address (FreeTDS resolves names itself)."""
    ctx = link.context
    seconds = min(props.QueryTimeout or ctx.total_timeout, ctx.total_timeout)
    return {
        "server": link.addresses[0],
        "port": str(props.port),
        "user": props.username,
        "password": props.password,
        "database": props.database,
        "login_timeout": max(1, round(ctx.connect_timeout)),
        "timeout": max(1, round(seconds)),
        "appname": "dcaas",
        "encryption": "require" if props.encrypt else "off",
        "read_only": True,
        "autocommit": True,
    }


async def _connect(props: MssqlProperties, link: Link) -> DbapiSession:
    import pymssql  # noqa: PLC0415 - drivers load on first use

    args = connect_args(props, link)
    conn: Any = await open_in_worker(link.worker, lambda: pymssql.connect(**args))
    return DbapiSession(link.worker, conn, pymssql.paramstyle)


MSSQL_ENGINE = Engine(
    name="mssql",
    properties=MssqlProperties,
    driver=Driver(extra="mssql", modules=("pymssql",), package="pymssql"),
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(
        schemas="SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
        "({hidden}) AND LEFT(schema_name, 3) <> 'db_' ORDER BY schema_name",
        paging="fetch",
        preview="SELECT TOP ({limit}) * FROM {table}",
    ),
    quote=bracket,
    system_schemas=("INFORMATION_SCHEMA", "sys", "guest"),
    read_only_session=False,  # read-only intent routes to a readable secondary; no more
)
MssqlConnector = connector_for(MSSQL_ENGINE)
_QRI = ("{host}:{port}/{database}", ("host", "port", "database"))
MSSQL = sql_source(
    MSSQL_ENGINE,
    source_id="mssql",
    name="Microsoft SQL Server",
    connector="dcaas.connectors.sql.mssql:MssqlConnector",
    qri=_QRI,
)
AZURE_SQL = sql_source(
    MSSQL_ENGINE,
    source_id="azure_sql",
    name="Azure SQL Database",
    connector="dcaas.connectors.sql.mssql:MssqlConnector",
    qri=_QRI,
)
AZURE_SYNAPSE = sql_source(
    MSSQL_ENGINE,
    source_id="azure-synapse",
    name="Azure Synapse Analytics",
    connector="dcaas.connectors.sql.mssql:MssqlConnector",
    qri=_QRI,
)
