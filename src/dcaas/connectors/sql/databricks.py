"""Databricks SQL through databricks-sql-connector (sync: in a worker thread).

A personal access token (``AuthMech`` 3: ``username`` is ``token``, ``password`` the token)
opens a session on the SQL warehouse or cluster at ``HTTPPath``, in ``Catalog`` and
``Schema``. ``TrustedCerts`` replaces the system roots for a private CA. The driver's HTTPS
requests resolve through the outbound policy (:mod:`.worker`); retries are capped so a
call ends within dcaas's timeouts. Browsing reads the catalog's ``information_schema``
(Unity Catalog). Databricks has no read-only session: dcaas runs only catalog queries and
``SELECT`` previews.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, model_validator

from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    FileItem,
    destination,
    file_list,
    secret,
)
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries, backtick
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import host, port, text
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import https_tls, roots_of

if TYPE_CHECKING:
    from dcaas.connectors.sql.engine import Link


class DatabricksProperties(ConnectorProperties):
    """Properties of a Databricks connection (Qlik's names)."""

    host: str = host(
        "Workspace host, e.g. adb-1234567890123456.7.azuredatabricks.net",
        example="adb-1234567890123456.7.azuredatabricks.net",
    )
    port: int = port(443, "HTTPS port")
    HTTPPath: str = destination(
        min_length=1,
        max_length=1024,
        pattern=r"^/\S*$",
        description="HTTP path of the SQL warehouse or cluster, e.g. /sql/1.0/warehouses/abc",
        examples=["/sql/1.0/warehouses/abc123"],
    )
    Catalog: str | None = text("Catalog (Unity Catalog)")
    Schema: str | None = text("Default schema")
    AuthMech: Literal["3"] = Field(default="3", description="3: personal access token")
    username: str | None = secret(
        description="'token' for a personal access token", default="token"
    )
    password: str | None = secret(description="Personal access token")
    # Not a destination: it can only be true, so it never changes where a secret goes.
    SSL: bool = Field(default=True, description="Databricks needs TLS; only true is accepted")
    TrustedCerts: list[FileItem] | None = file_list(
        description="PEM root certificates to trust instead of the system's", is_destination=True
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("password",),)

    @model_validator(mode="after")
    def _tls_only(self) -> DatabricksProperties:
        if not self.SSL:
            raise ValueError("SSL must be true: Databricks accepts only TLS connections")
        return self


def _endpoint(props: DatabricksProperties) -> Endpoint:
    return Endpoint(props.host, props.port, https_tls(props.host, roots_of(props.TrustedCerts)))


def connect_args(props: DatabricksProperties, link: Link) -> dict[str, Any]:
    """The driver's arguments (without the trusted-certificates file)."""
    seconds = max(1.0, link.context.total_timeout)
    return {
        "server_hostname": props.host,
        "_port": props.port,
        "http_path": props.HTTPPath,
        "access_token": props.password,
        "catalog": props.Catalog,
        "schema": props.Schema,
        "_socket_timeout": seconds,
        "_retry_stop_after_attempts_count": 1,
        "_retry_stop_after_attempts_duration": seconds,
        "enable_telemetry": False,
        "user_agent_entry": "dcaas",
    }


async def _connect(props: DatabricksProperties, link: Link) -> DbapiSession:
    from databricks import sql  # noqa: PLC0415 - drivers load on first use

    args = connect_args(props, link)
    roots = roots_of(props.TrustedCerts)

    def connect() -> Any:
        if not roots:
            return sql.connect(**args)
        handle, path = tempfile.mkstemp(suffix=".pem")  # the driver takes a file name
        try:
            with os.fdopen(handle, "w") as pem:
                pem.write("\n".join(roots))
            return sql.connect(**args, _tls_trusted_ca_file=path)
        finally:
            with contextlib.suppress(OSError):
                Path(path).unlink()

    conn = await open_in_worker(link.worker, connect)
    return DbapiSession(link.worker, conn, sql.paramstyle)


DATABRICKS_ENGINE = Engine(
    name="databricks",
    properties=DatabricksProperties,
    driver=Driver(
        extra="databricks", modules=("databricks.sql",), package="databricks-sql-connector"
    ),
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(),
    quote=backtick,
    read_only_session=False,
)
DatabricksConnector = connector_for(DATABRICKS_ENGINE)
DATABRICKS = sql_source(
    DATABRICKS_ENGINE,
    source_id="databricks",
    name="Databricks",
    connector="dcaas.connectors.sql.databricks:DatabricksConnector",
    qri=("{host}{HTTPPath}", ("host", "HTTPPath")),
)
