"""Property declarations the SQL engines share: a host, a port, a user, TLS settings."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import ConnectorProperties, FileItem, destination, file_list, secret

SslMode = Literal["disable", "prefer", "require", "verify-ca", "verify-full"]
HOST_PATTERN = r"^[^\s/?#@]+$"
_HOST_EXAMPLE = "db.example.com"


def host(description: str = "Host name or IP address of the server", **kwargs: Any) -> Any:
    """The server's host name: a destination (the credentials go there)."""
    return destination(
        min_length=1,
        max_length=253,
        pattern=HOST_PATTERN,
        description=description,
        examples=[kwargs.pop("example", _HOST_EXAMPLE)],
        **kwargs,
    )


def port(default: int, description: str = "TCP port of the server") -> Any:
    """The server's TCP port: a destination (another port can be another server)."""
    return destination(default, ge=1, le=65535, description=description)


def text(description: str, *, default: Any = None, max_length: int = 255, **kwargs: Any) -> Any:
    """A plain setting (a database, schema, warehouse name)."""
    return Field(default=default, max_length=max_length, description=description, **kwargs)


class SqlProperties(ConnectorProperties):
    """A database server reached over TCP, with a user name and a password."""

    host: str = host()
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
