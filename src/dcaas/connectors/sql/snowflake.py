"""Snowflake through snowflake-connector-python (sync: in a worker thread).

Sign-in with a password, or with a key pair (``authenticator: snowflake_jwt`` and
``PRIV_KEY_FILE``, optionally encrypted with ``PRIV_KEY_FILE_PWD``). The account is the
``server`` name without ``.snowflakecomputing.com``. Every HTTPS request of the driver,
OCSP checks included, resolves through the outbound policy (:mod:`.worker`). Snowflake has
no read-only session: dcaas runs only its catalog queries and ``SELECT`` previews there.
"""

from __future__ import annotations

import base64
import warnings
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from cryptography.hazmat.primitives import serialization
from pydantic import Field, model_validator

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    FileItem,
    destination,
    file_list,
    secret,
)
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries
from dcaas.connectors.sql.layer import connector_for, not_found
from dcaas.connectors.sql.properties import host, port, text
from dcaas.connectors.sql.source import sql_source
from dcaas.connectors.sql.tls import https_tls
from dcaas.errors import Code

if TYPE_CHECKING:
    from dcaas.connectors.sql.engine import Link
    from dcaas.connectors.sql.worker import Worker

_DOMAIN = ".snowflakecomputing.com"


# Qlik's property is "schema", which shadows pydantic's deprecated BaseModel.schema().
warnings.filterwarnings("ignore", 'Field name "schema" in "SnowflakeProperties"', UserWarning)


class SnowflakeProperties(ConnectorProperties):
    """Properties of a Snowflake connection (Qlik's names)."""

    server: str = host(
        "Account host name, e.g. xy12345.eu-west-1.snowflakecomputing.com",
        example="xy12345.eu-west-1.snowflakecomputing.com",
    )
    port: int = port(443, "HTTPS port")
    database: str = text("Database", default=..., min_length=1, examples=["ANALYTICS"])
    schema: str | None = text("Default schema")  # type: ignore[assignment]  # Qlik's name
    warehouse: str | None = text("Warehouse that runs queries")
    role: str | None = text("Role to use")
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password (authenticator snowflake)")
    authenticator: Literal["snowflake", "snowflake_jwt"] = Field(
        default="snowflake",
        description="snowflake: user name and password; snowflake_jwt: key-pair (PRIV_KEY_FILE)",
    )
    PRIV_KEY_FILE: list[FileItem] | None = file_list(
        description="PEM private key (PKCS#8) for snowflake_jwt, as [{name, value}]",
        is_secret=True,
    )
    PRIV_KEY_FILE_PWD: str | None = secret(description="Passphrase of an encrypted PRIV_KEY_FILE")
    protocol: Literal["https", "http"] = destination(
        "https",
        description="dcaas: http only for a TLS-terminating proxy or a test server",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",),)

    @model_validator(mode="after")
    def _sign_in(self) -> SnowflakeProperties:
        if self.selectedCredentials or self.separateCredentials:
            return self
        if self.authenticator == "snowflake_jwt" and not self.PRIV_KEY_FILE:
            raise ValueError("PRIV_KEY_FILE is required with authenticator snowflake_jwt")
        if self.authenticator == "snowflake" and not self.password:
            raise ValueError("password is required with authenticator snowflake")
        return self


def private_key_der(items: list[FileItem], passphrase: str | None) -> bytes:
    """A PEM (or base64 DER) PKCS#8 key, decrypted, as unencrypted DER for the driver."""

    raw = items[0].value.encode()
    secret_bytes = passphrase.encode() if passphrase else None
    try:
        if b"-----BEGIN" in raw:
            key = serialization.load_pem_private_key(raw, secret_bytes)
        else:
            key = serialization.load_der_private_key(base64.b64decode(raw), secret_bytes)
    except (ValueError, TypeError):
        raise SourceFailure(
            Code.SOURCE_AUTH_FAILED,
            FailureClass.CREDENTIALS,
            "the private key could not be read; check PRIV_KEY_FILE (PEM, PKCS#8) and "
            "PRIV_KEY_FILE_PWD",
            http_status=400,
        ) from None
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _account(server: str) -> str:
    name = server.lower()
    return name[: -len(_DOMAIN)] if name.endswith(_DOMAIN) else name.split(".", 1)[0]


def _endpoint(props: SnowflakeProperties) -> Endpoint:
    tls = https_tls(props.server) if props.protocol == "https" else None
    return Endpoint(props.server, props.port, tls)


async def _connect(props: SnowflakeProperties, link: Link) -> DbapiSession:
    import snowflake.connector  # noqa: PLC0415 - drivers load on first use

    ctx = link.context
    auth: dict[str, object] = {"password": props.password}
    if props.authenticator == "snowflake_jwt":
        key = private_key_der(props.PRIV_KEY_FILE or [], props.PRIV_KEY_FILE_PWD)
        auth = {"authenticator": "SNOWFLAKE_JWT", "private_key": key}
    conn = await open_in_worker(
        link.worker,
        lambda: snowflake.connector.connect(
            account=_account(props.server),
            host=props.server,
            port=props.port,
            protocol=props.protocol,
            user=props.username,
            database=props.database,
            schema=props.schema,
            warehouse=props.warehouse,
            role=props.role,
            login_timeout=max(1, round(ctx.connect_timeout)),
            network_timeout=max(1, round(ctx.total_timeout)),
            socket_timeout=max(1, round(ctx.total_timeout)),
            client_session_keep_alive=False,
            client_store_temporary_credential=False,
            session_parameters={
                "QUERY_TAG": "dcaas",
                "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
                "STATEMENT_TIMEOUT_IN_SECONDS": max(1, round(ctx.total_timeout)),
            },
            **auth,
        ),
    )
    return SnowflakeSession(link.worker, conn, "pyformat", props)


class SnowflakeSession(DbapiSession):
    """Snowflake signs in without the database: :meth:`use` checks it was selected."""

    def __init__(self, worker: Worker, conn: Any, style: str, props: SnowflakeProperties) -> None:
        super().__init__(worker, conn, style)
        self.props = props

    async def use(self) -> None:
        wanted = "CURRENT_DATABASE(), CURRENT_SCHEMA()"
        if self.props.warehouse:
            wanted += ", CURRENT_WAREHOUSE()"
        row = (await self.query(f"SELECT {wanted}")).rows[0]
        names = ["database", "schema", "warehouse"]
        given = [self.props.database, self.props.schema, self.props.warehouse]
        for name, value, current in zip(names, given, row, strict=False):
            if value and current is None:
                raise not_found(f"the {name} {value!r}")


SNOWFLAKE_ENGINE = Engine(
    name="snowflake",
    properties=SnowflakeProperties,
    driver=Driver(
        extra="snowflake",
        modules=("snowflake.connector",),
        package="snowflake-connector-python",
    ),
    endpoint=_endpoint,
    connect=_connect,
    queries=Queries(),
    system_schemas=("INFORMATION_SCHEMA",),
    read_only_session=False,
)
SnowflakeConnector = connector_for(SNOWFLAKE_ENGINE)
SNOWFLAKE = sql_source(
    SNOWFLAKE_ENGINE,
    source_id="snowflake",
    name="Snowflake",
    connector="dcaas.connectors.sql.snowflake:SnowflakeConnector",
    qri=("{server}/{database}", ("server", "database")),
)
