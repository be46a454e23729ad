"""Any database with an ODBC driver installed on the dcaas host (pyodbc on unixODBC).

``odbcDriver`` names a driver the operator registered (``odbcinst -q -d`` lists them; a
path to a library is refused, since it would load arbitrary code into dcaas). The host,
port, database and credentials go into the connection string under the attribute names
the driver expects (``Server``, ``Port``, ``Database``, ``UID``, ``PWD`` by default);
``attributes`` adds other ``key=value`` pairs, each marked ``encrypt: true`` when it is a
secret. The driver resolves names itself, so it is given the checked address.

Browsing reads ``information_schema`` (the driver's SQL dialect is unknown, so pages are
cut in the client); previews quote names with the driver's own quote character and read
only the first rows. The connection asks to be read-only (``SQL_ATTR_ACCESS_MODE``), which
ODBC lets a driver ignore.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.spec import (
    ConnectorProperties,
    Driver,
    EncryptableItem,
    destination,
    secret,
)
from dcaas.connectors.sql.dbapi import DbapiSession, open_in_worker
from dcaas.connectors.sql.engine import Endpoint, Engine, Queries
from dcaas.connectors.sql.layer import connector_for
from dcaas.connectors.sql.properties import host, port, text
from dcaas.connectors.sql.source import sql_source
from dcaas.errors import Code

if TYPE_CHECKING:
    from dcaas.connectors.sql.engine import Link
    from dcaas.connectors.sql.worker import Worker

# Keys that would bypass the declared host, driver or credentials.
_RESERVED = frozenset({"driver", "dsn", "filedsn", "savefile", "uid", "pwd", "server", "port"})
_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_ .+()-]*$"
_SPECIAL = re.compile(r"[;{}=]")


class OdbcProperties(ConnectorProperties):
    """Properties of a generic ODBC connection."""

    odbcDriver: str = destination(
        min_length=1,
        max_length=128,
        pattern=_NAME,
        description="Name of an ODBC driver installed on the dcaas host (odbcinst -q -d)",
        examples=["PostgreSQL Unicode"],
    )
    host: str = host()
    port: int = port(5432)
    database: str | None = text("Database")
    username: str | None = secret(description="User name (UID)")
    password: str | None = secret(description="Password (PWD)")
    attributes: list[EncryptableItem] | None = destination(
        None,
        description="More key=value attributes of the driver; encrypt: true marks a secret",
    )
    hostAttribute: str = destination("Server", pattern=_NAME, description="Key of the host")
    portAttribute: str = destination("Port", pattern=_NAME, description="Key of the port")
    databaseAttribute: str = Field(
        default="Database", pattern=_NAME, description="Key of the database"
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @field_validator("attributes")
    @classmethod
    def _no_reserved(cls, items: list[EncryptableItem] | None) -> list[EncryptableItem] | None:
        for item in items or []:
            if item.name.strip().lower() in _RESERVED:
                raise ValueError(
                    f"attribute {item.name!r} is set by the connection's own properties"
                )
        return items


def _value(text_value: str) -> str:
    """An ODBC connection-string value; braced (``}`` doubled) when it could end the pair.

    Plain values stay plain: some drivers (psqlODBC) read ``{5432}`` as text, not a number.
    """
    if text_value == text_value.strip() and not _SPECIAL.search(text_value):
        return text_value
    return "{" + text_value.replace("}", "}}") + "}"


def connection_string(props: OdbcProperties, address: str) -> str:
    """The connection string, with the checked address as the host."""
    pairs: list[tuple[str, str]] = [
        ("Driver", props.odbcDriver),
        (props.hostAttribute, address),
        (props.portAttribute, str(props.port)),
    ]
    if props.database:
        pairs.append((props.databaseAttribute, props.database))
    if props.username:
        pairs.append(("UID", props.username))
    if props.password:
        pairs.append(("PWD", props.password))
    pairs += [(item.name, item.value) for item in props.attributes or []]
    return ";".join(f"{key}={_value(value)}" for key, value in pairs)


class OdbcSession(DbapiSession):
    """A pyodbc connection; quotes names with the driver's identifier quote character."""

    def __init__(self, worker: Worker, conn: Any, quote_char: str) -> None:
        super().__init__(worker, conn, "qmark")
        self.quote_char = quote_char.strip() or '"'

    def quote(self, name: str) -> str:
        q = self.quote_char
        return q + name.replace(q, q + q) + q


def _installed(pyodbc: Any, name: str) -> None:
    if name not in pyodbc.drivers():
        raise SourceFailure(
            Code.SOURCE_NOT_FOUND,
            FailureClass.CONFIGURATION,
            f"no ODBC driver named {name!r} is installed on the dcaas host; ask the operator "
            "for the installed names (odbcinst -q -d)",
            http_status=400,
        )


async def _connect(props: OdbcProperties, link: Link) -> OdbcSession:
    import pyodbc  # noqa: PLC0415 - drivers load on first use

    ctx = link.context

    def connect() -> Any:
        _installed(pyodbc, props.odbcDriver)
        conn = pyodbc.connect(
            connection_string(props, link.addresses[0]),
            timeout=max(1, round(ctx.connect_timeout)),
            readonly=True,
            autocommit=True,
        )
        with contextlib.suppress(pyodbc.Error):  # each query's timeout, where the driver has one
            conn.timeout = max(1, round(ctx.total_timeout))
        return conn

    conn = await open_in_worker(link.worker, connect)
    quote = await link.worker.run(conn.getinfo, pyodbc.SQL_IDENTIFIER_QUOTE_CHAR)
    return OdbcSession(link.worker, conn, str(quote or '"'))


ODBC_ENGINE = Engine(
    name="odbc",
    properties=OdbcProperties,
    driver=Driver(extra="odbc", modules=("pyodbc",), package="pyodbc (and unixODBC)"),
    endpoint=lambda props: Endpoint(props.host, props.port),
    connect=_connect,
    queries=Queries(paging="client", preview="SELECT * FROM {table}"),
    system_schemas=("information_schema", "INFORMATION_SCHEMA", "pg_catalog", "sys"),
    read_only_session=False,  # asked for (SQL_ATTR_ACCESS_MODE); drivers may not enforce it
)
OdbcConnector = connector_for(ODBC_ENGINE)
ODBC = sql_source(
    ODBC_ENGINE,
    source_id="GenericDriver",
    name="Generic ODBC",
    connector="dcaas.connectors.sql.odbc:OdbcConnector",
    qri=("{odbcDriver}/{host}:{port}", ("odbcDriver", "host", "port")),
)
