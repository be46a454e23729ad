"""Teradata Vantage through teradatasql (sync, in a worker thread).

The driver is written in Go and resolves names itself, so it is given the address the
outbound policy checked. ``encryptdata`` turns on Teradata's own encryption of the session
(not TLS: there is no ``tls`` step). Browsing reads the ``DBC`` dictionary views; Teradata
has no ``OFFSET``, so pages are cut in the client. There is no read-only session: dcaas
runs only catalog queries and ``SELECT TOP`` previews.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from dcaas.connectors.spec import ConnectorProperties, Driver, destination, secret
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import host, port, text
from dcaas.connectors.sql.source import sql_source

if TYPE_CHECKING:
    from typing import Any

    from dcaas.connectors.sql.engine import Link


class TeradataProperties(ConnectorProperties):
    """Properties of a Teradata connection (Qlik's names)."""

    host: str = host(example="teradata.example.com")
    port: int = port(1025)
    db: str | None = text("Default database (else the user's)")
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password")
    encryptdata: bool = destination(
        default=True, description="Encrypt the session (Teradata's own)"
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",), ("password",))


def connect_args(props: TeradataProperties, link: Link) -> dict[str, Any]:
    """teradatasql's parameters: all strings; timeouts so that a call always ends."""
    ctx = link.context
    args = {
        "host": link.addresses[0],  # the checked address: the Go driver resolves names itself
        "dbs_port": str(props.port),
        "user": props.username or "",
        "password": props.password or "",
        "encryptdata": "true" if props.encryptdata else "false",
        "connect_timeout": str(max(1, round(ctx.connect_timeout * 1000))),
        "logon_timeout": str(max(1, round(ctx.connect_timeout))),
        "request_timeout": str(max(1, round(ctx.total_timeout))),
    }
    if props.db:
        args["database"] = props.db
    return args


async def _connect(props: TeradataProperties, link: Link) -> DbapiSession:
    import teradatasql  # noqa: PLC0415 - drivers load on first use

    args = connect_args(props, link)
    conn = await open_in_worker(link.worker, lambda: teradatasql.connect(None, **args))
    return DbapiSession(link.worker, conn, teradatasql.paramstyle)


TERADATA_ENGINE = Engine(
    name="teradata",
    properties=TeradataProperties,
    driver=Driver(extra="teradata", modules=("teradatasql",), package="teradatasql"),
    endpoint=lambda props: Endpoint(props.host, props.port),
    connect=_connect,
    queries=Queries(
        schemas="SELECT TRIM(DatabaseName) FROM DBC.DatabasesV WHERE DatabaseName NOT IN "
        "({hidden}) ORDER BY 1",
        schema_exists="SELECT 1 FROM DBC.DatabasesV WHERE DatabaseName = ?",
        tables="SELECT TRIM(TableName), CASE TableKind WHEN 'V' THEN 'VIEW' ELSE 'TABLE' END "
        "FROM DBC.TablesV WHERE DatabaseName = ? AND TableKind IN ('T', 'O', 'V') ORDER BY 1",
        table_exists="SELECT 1 FROM DBC.TablesV WHERE DatabaseName = ? AND TableName = ?",
        columns="SELECT TRIM(ColumnName), TRIM(ColumnType), Nullable FROM DBC.ColumnsV "
        "WHERE DatabaseName = ? AND TableName = ? ORDER BY ColumnId",
        paging="client",
        preview="SELECT TOP {limit} * FROM {table}",
    ),
    system_schemas=("DBC", "SYSLIB", "SYSUDTLIB", "SYSBAR", "SYSSPATIAL", "TDStats", "SystemFe"),
    read_only_session=False,
)
TeradataConnector = connector_for(TERADATA_ENGINE)
TERADATA = sql_source(
    TERADATA_ENGINE,
    source_id="teradata",
    name="Teradata",
    connector="dcaas.connectors.sql.teradata:TeradataConnector",
    qri=("{host}:{port}", ("host", "port")),
)
