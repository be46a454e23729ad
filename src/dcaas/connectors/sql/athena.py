"""Amazon Athena through PyAthena and boto3 (sync: in a worker thread).

Athena is browsed through its API, not SQL: ``ListDatabases`` (schemas, paged by Athena's
own tokens), ``ListTableMetadata`` (tables and views) and ``GetTableMetadata`` (columns).
``authenticate`` asks for the workgroup (``GetWorkGroup``: the keys are valid and may use
it), ``reach-database`` for the schema (``GetDatabase``). A preview runs
``SELECT * ... LIMIT n`` as a query whose results land in ``S3OutputLocation``. Every
HTTPS request resolves through the outbound policy (:mod:`.worker`); botocore's retries
are off so a call ends within dcaas's timeouts. ``endpointUrl`` (dcaas's) points at a VPC
endpoint or a test server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field

from dcaas.connectors.base import Entry
from dcaas.connectors.s3 import AwsRegion as Region
from dcaas.connectors.spec import ConnectorProperties, Driver, destination, secret
from dcaas.connectors.sql.engine import Endpoint, Engine, Rows, double_quote
from dcaas.connectors.sql.layer import connector_for, join_path, offset_of
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import https_tls

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dcaas.connectors.sql.engine import Link
    from dcaas.connectors.sql.worker import Worker

_MAX_PAGE = 50  # ListDatabases and ListTableMetadata answer at most 50 a page


class AthenaProperties(ConnectorProperties):
    """Properties of an Athena connection (Qlik's names)."""

    AwsRegion: Region = destination(
        "us-east-1", description="AWS region (it selects Athena's endpoint)"
    )
    Catalog: str = Field(default="AwsDataCatalog", max_length=255, description="Data catalog")
    Schema: str = Field(default="default", max_length=255, description="Database (schema)")
    Workgroup: str = Field(default="primary", max_length=128, description="Athena workgroup")
    AuthenticationType: Literal["IAM Credentials"] = Field(
        default="IAM Credentials", description="IAM Credentials: an access key and its secret"
    )
    username: str | None = secret(description="AWS access key id")
    password: str | None = secret(description="AWS secret access key")
    S3OutputLocation: str | None = destination(
        None,
        pattern=r"^s3://[a-z0-9][a-z0-9.\-]*[a-z0-9](/\S*)?$",
        description="Where Athena writes query results, e.g. s3://bucket/athena/ (else the "
        "workgroup's)",
        examples=["s3://my-athena-results/dcaas/"],
    )
    endpointUrl: str | None = destination(
        None,
        pattern=r"^https?://\S+$",
        description="dcaas: Athena endpoint (a VPC endpoint); empty for AWS's",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",), ("password",))


def endpoint_url(props: AthenaProperties) -> str:
    return props.endpointUrl or f"https://athena.{props.AwsRegion}.amazonaws.com"


def _endpoint(props: AthenaProperties) -> Endpoint:
    url = urlsplit(endpoint_url(props))
    host = url.hostname or ""
    https = url.scheme == "https"
    return Endpoint(host, url.port or (443 if https else 80), https_tls(host) if https else None)


def client_args(props: AthenaProperties, link: Link) -> dict[str, Any]:
    """PyAthena's (and through it boto3's) arguments."""
    from botocore.config import Config  # noqa: PLC0415 - drivers load on first use

    config = Config(
        connect_timeout=link.context.connect_timeout,
        read_timeout=link.context.total_timeout,
        retries={"max_attempts": 1, "mode": "standard"},
        user_agent_extra="dcaas",
    )
    return {
        "aws_access_key_id": props.username,
        "aws_secret_access_key": props.password,
        "region_name": props.AwsRegion,
        "work_group": props.Workgroup,
        "schema_name": props.Schema,
        "catalog_name": props.Catalog,
        "s3_staging_dir": props.S3OutputLocation,
        "endpoint_url": endpoint_url(props),
        "config": config,
        "poll_interval": 0.2,
    }


class AthenaSession:
    """A PyAthena connection and its boto3 client, used only from the worker thread."""

    def __init__(self, worker: Worker, conn: Any, props: AthenaProperties) -> None:
        self.worker = worker
        self.conn = conn
        self.props = props

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.conn.client, operation)
        result: dict[str, Any] = await self.worker.run(lambda: method(**params))
        return result

    async def query(
        self, sql: str, args: Sequence[Any] = (), *, max_rows: int | None = None
    ) -> Rows:
        if args:
            raise ValueError("Athena statements here take no parameters")
        return await self.worker.run(self._query, sql, max_rows)

    def _query(self, sql: str, max_rows: int | None) -> Rows:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchmany(max_rows) if max_rows else cursor.fetchall()
            return Rows([str(d[0]) for d in cursor.description or ()], [tuple(r) for r in rows])
        finally:
            cursor.close()

    async def use(self) -> None:
        props = self.props
        await self.call("get_database", CatalogName=props.Catalog, DatabaseName=props.Schema)

    async def close(self) -> None:
        self.worker.close(self.conn.close)


class AthenaCatalog:
    """Browse through Athena's metadata API."""

    def __init__(self, props: AthenaProperties, session: AthenaSession) -> None:
        self.props = props
        self.session = session

    async def schemas(self, limit: int, token: str | None) -> tuple[list[Entry], str | None]:
        page = await self.session.call(
            "list_databases", CatalogName=self.props.Catalog, **_paging(limit, token)
        )
        items = [
            Entry(name=d["Name"], path=join_path(d["Name"]), type="schema")
            for d in page.get("DatabaseList", [])
        ]
        return items, page.get("NextToken")

    async def tables(
        self, schema: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]:
        page = await self.session.call(
            "list_table_metadata",
            CatalogName=self.props.Catalog,
            DatabaseName=schema,
            **_paging(limit, token),
        )
        items = [
            Entry(
                name=t["Name"],
                path=join_path(schema, t["Name"]),
                type="view" if "VIEW" in str(t.get("TableType", "")).upper() else "table",
            )
            for t in page.get("TableMetadataList", [])
        ]
        return items, page.get("NextToken")

    async def columns(
        self, schema: str, table: str, limit: int, token: str | None
    ) -> tuple[list[Entry], str | None]:
        meta = await self.session.call(
            "get_table_metadata",
            CatalogName=self.props.Catalog,
            DatabaseName=schema,
            TableName=table,
        )
        found = meta.get("TableMetadata", {})
        columns = [*found.get("Columns", []), *found.get("PartitionKeys", [])]
        offset = offset_of(token)
        items = [
            Entry(
                name=c["Name"],
                path=join_path(schema, table, c["Name"]),
                type="column",
                extra={"dataType": c.get("Type"), "nullable": True},
            )
            for c in columns[offset : offset + limit]
        ]
        more = len(columns) > offset + limit
        return items, str(offset + limit) if more else None

    async def preview(self, schema: str, table: str, max_rows: int) -> Rows:
        name = f"{double_quote(schema)}.{double_quote(table)}"
        # Names quoted, the limit a number: nothing of the user's is pasted unquoted.
        sql = f"SELECT * FROM {name} LIMIT {int(max_rows)}"  # noqa: S608
        return await self.session.query(sql)


def _paging(limit: int, token: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"MaxResults": max(1, min(limit, _MAX_PAGE))}
    if token:
        params["NextToken"] = token
    return params


async def _connect(props: AthenaProperties, link: Link) -> AthenaSession:
    import pyathena  # noqa: PLC0415 - drivers load on first use

    args = client_args(props, link)
    conn = await link.worker.run(lambda: pyathena.connect(**args))
    session = AthenaSession(link.worker, conn, props)
    await session.call("get_work_group", WorkGroup=props.Workgroup)
    return session


ATHENA_ENGINE = Engine(
    name="athena",
    properties=AthenaProperties,
    driver=Driver(extra="athena", modules=("pyathena",), package="PyAthena"),
    endpoint=_endpoint,
    connect=_connect,
    catalog=AthenaCatalog,
    read_only_session=False,
)
AthenaConnector = connector_for(ATHENA_ENGINE)
ATHENA = sql_source(
    ATHENA_ENGINE,
    source_id="athena",
    name="Amazon Athena",
    connector="dcaas.connectors.sql.athena:AthenaConnector",
    qri=("{AwsRegion}/{Catalog}", ("AwsRegion", "Catalog")),
)
