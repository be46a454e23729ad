"""Amazon Redshift through redshift_connector (sync: in a worker thread).

Redshift speaks PostgreSQL's protocol, so the ``tls`` step asks with PostgreSQL's
SSLRequest. The driver verifies the server against Redshift's CA bundle and the system's
roots (``verify-ca``), and the host name too (``verify-full``); it connects to the name,
which its worker thread resolves to the checked address. Each call runs in one read-only
transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import ConnectorProperties, Driver, destination, secret
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.postgresql import start_tls
from dcaas.connectors.sql.properties import host, port
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import sslmode_tls

if TYPE_CHECKING:
    from dcaas.connectors.sql.engine import Link


class RedshiftProperties(ConnectorProperties):
    """Properties of a Redshift connection."""

    host: str = host(
        "Cluster endpoint, e.g. examplecluster.abc123.us-west-2.redshift.amazonaws.com",
        example="examplecluster.abc123.us-west-2.redshift.amazonaws.com",
    )
    port: int = port(5439)
    database: str = Field(min_length=1, max_length=127, description="Database to connect to")
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password")
    sslMode: Literal["disable", "verify-ca", "verify-full"] = destination(
        "verify-full",
        description="disable: plain TCP; verify-ca: TLS with a certificate from Redshift's or "
        "the system's roots; verify-full: and the host name",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",), ("password",))


def _endpoint(props: RedshiftProperties) -> Endpoint:
    return Endpoint(props.host, props.port, sslmode_tls(props.host, props.sslMode, [], start_tls))


async def _connect(props: RedshiftProperties, link: Link) -> DbapiSession:
    import redshift_connector  # noqa: PLC0415 - drivers load on first use

    tls = props.sslMode != "disable"
    conn = await open_in_worker(
        link.worker,
        lambda: redshift_connector.connect(
            host=props.host,
            port=props.port,
            database=props.database,
            user=props.username,
            password=props.password,
            ssl=tls,
            sslmode=props.sslMode if tls else "verify-ca",
            timeout=max(1, round(link.context.connect_timeout)),
            application_name="dcaas",
        ),
    )
    session = DbapiSession(link.worker, conn, redshift_connector.paramstyle)
    # One read-only transaction for the whole call (Redshift's BEGIN takes READ ONLY; the
    # driver, in autocommit mode, starts none of its own).
    await link.worker.run(setattr, conn, "autocommit", True)  # noqa: FBT003 - the attribute's value
    await session.query("BEGIN READ ONLY")
    return session


REDSHIFT_ENGINE = Engine(
    name="redshift",
    properties=RedshiftProperties,
    driver=Driver(extra="redshift", modules=("redshift_connector",), package="redshift_connector"),
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(
        schemas="SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
        "({hidden}) AND substr(schema_name, 1, 3) <> 'pg_' ORDER BY schema_name",
    ),
    system_schemas=("information_schema", "pg_catalog", "pg_toast"),
)
RedshiftConnector = connector_for(REDSHIFT_ENGINE)
REDSHIFT = sql_source(
    REDSHIFT_ENGINE,
    source_id="redshift",
    name="Amazon Redshift",
    connector="dcaas.connectors.sql.redshift:RedshiftConnector",
    qri=("{host}:{port}/{database}", ("host", "port", "database")),
)
