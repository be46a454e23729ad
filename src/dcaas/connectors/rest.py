"""The generic REST data source (Qlik's ``rest``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import (
    ConnectorProperties,
    DataSource,
    EncryptableItem,
    FileItem,
    NameValue,
    destination,
    file_list,
    secret,
)


class RestProperties(ConnectorProperties):
    """Properties of a REST connection; names follow Qlik's REST connector."""

    url: str = destination(
        min_length=1,
        max_length=8192,
        pattern=r"^https?://\S+$",
        description="URL of the endpoint (http or https)",
    )
    method: Literal["GET", "POST"] = Field(default="GET", description="HTTP method")
    requestBody: str | None = Field(
        default=None, max_length=1_000_000, description="Request body for POST"
    )
    timeout: int = Field(default=30, ge=1, le=3600, description="Timeout in seconds")
    queryParameters: list[NameValue] = Field(
        default_factory=list, max_length=256, description="Query parameters added to the URL"
    )
    queryHeaders: list[EncryptableItem] = Field(
        default_factory=list,
        max_length=256,
        description="HTTP headers; a header with encrypt: true is stored as a credential",
    )
    # A destination: it lets load scripts override url and headers (Qlik's WITH CONNECTION),
    # that is, choose where the connection's secrets go.
    allowWithConnection: bool = destination(
        default=False, description="Allow WITH CONNECTION overrides from load scripts"
    )
    authSchema: Literal["anonymous", "basic", "bearer"] = Field(
        default="anonymous", description="Authentication scheme"
    )
    username: str | None = secret(description="User name for basic authentication")
    password: str | None = secret(description="Password for basic authentication")
    bearerToken: str | None = secret(description="Token for bearer authentication")
    serverCertificateValidation: Literal["Default", "None", "Custom"] = destination(
        "Default",
        description="Default: system roots; Custom: rootCertificates; None: no validation",
    )
    rootCertificates: list[FileItem] | None = file_list(
        description="PEM root certificates used when serverCertificateValidation is Custom",
        is_destination=True,
    )
    enableMutualSSL: bool = Field(default=False, description="Present a client certificate")
    mutualPfxCertificateFiles: list[FileItem] | None = file_list(
        description="Client certificate (PFX) for mutual TLS", is_secret=True
    )
    mutualPfxCertificateKey: str | None = secret(description="Password of the client certificate")
    PaginationType: Literal["None", "Offset", "NextUrl", "NextToken"] = Field(
        default="None", description="Pagination mechanism of the endpoint"
    )
    OffsetStartField: str | None = Field(default=None, description="Name of the offset field")
    IsOffsetStartFieldHeader: bool = Field(default=False, description="Offset sent as a header")
    OffsetStartFieldValue: int | None = Field(default=None, description="First offset")
    OffsetCountFieldName: str | None = Field(default=None, description="Name of the count field")
    OffsetCountValue: int | None = Field(default=None, ge=1, description="Items per page")
    OffsetTotalPath: str | None = Field(default=None, description="Path of the total in a page")
    OffsetDataPath: str | None = Field(default=None, description="Path of the items in a page")
    NextUrlPath: str | None = Field(default=None, description="Path of the next page's URL")
    NextTokenPath: str | None = Field(default=None, description="Path of the next page's token")
    NextTokenParameter: str | None = Field(default=None, description="Parameter for the token")

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()


REST = DataSource(
    id="rest",
    name="REST",
    provider="QvRestConnector.exe",
    provider_name="Qlik® REST Connector",
    properties=RestProperties,
    version="1.180.0",
    capabilities=("test-connection", "browse", "preview"),
    username_property="username",
    password_property="password",  # noqa: S106 - the property's name, not a password
    qri_prefix="qri:rest://",
    qri_connection_template="{url}",
    qri_properties=("url",),
    connector="dcaas.connectors.drivers.rest:RestConnector",
)
