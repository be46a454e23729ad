"""Properties shared by the SQL data sources (PostgreSQL, MySQL / MariaDB)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import ConnectorProperties, FileItem, destination, file_list, secret

SslMode = Literal["disable", "prefer", "require", "verify-ca", "verify-full"]


class SqlProperties(ConnectorProperties):
    """A database server reached over TCP, with a user name and a password."""

    host: str = destination(
        min_length=1,
        max_length=253,
        pattern=r"^[^\s/?#@]+$",
        description="Host name or IP address of the server",
    )
    port: int = destination(ge=1, le=65535, description="TCP port of the server")
    database: str = Field(min_length=1, max_length=128, description="Database to connect to")
    username: str | None = secret(description="User name")
    password: str | None = secret(description="Password")
    sslMode: SslMode = destination(
        "prefer",
        description="disable: plain TCP; prefer: TLS when offered, unchecked; require: TLS, "
        "unchecked; verify-ca: TLS with a trusted certificate; verify-full: and the host name",
    )
    rootCertificates: list[FileItem] | None = file_list(
        description="PEM root certificates for verify-ca / verify-full (else the system's)",
        is_destination=True,
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("username",),)
