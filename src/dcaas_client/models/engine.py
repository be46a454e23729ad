"""The engine endpoints (an engine-grant caller gets a connection's secrets), their release
records (tenant admins), engine instances and Direct Access gateways."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from dcaas_client.models.common import ApiModel, Meta, PageLinks, RequestModel


class EndpointRef(ApiModel):
    """Qlik's ``EndpointInstanceRef``: where an engine for a data source runs."""

    id: str
    dataSourceId: str
    url: str
    isPodUrl: bool | None = None


class Endpoints(ApiModel):
    endpoints: list[EndpointRef] = Field(default_factory=list)


class EndpointCreate(RequestModel):
    dataSourceId: str
    url: str
    isPodUrl: bool | None = None


class EndpointRequest(RequestModel):
    """One of ``connectionId``, ``connectionName`` (+ ``spaceId``), ``connectionString`` or
    ``dataSourceId``."""

    connectionId: str | None = None
    connectionName: str | None = None
    spaceId: str | None = None
    connectionString: str | None = None
    dataSourceId: str | None = None
    checkCredentials: bool | None = None
    reloadId: str | None = None
    type: Literal["rld", "dq"] | None = None


class ConnectionInstance(ApiModel):
    """What an engine needs to connect; the secrets stay hidden in reprs and logs."""

    connectionId: str | None = None
    connectionString: SecretStr
    dataInterfaceType: str
    user: str | None = None
    password: SecretStr | None = None
    qri: str | None = None
    spaceQualifiedConnectionName: str | None = None


class EndpointRelease(ApiModel):
    connection: ConnectionInstance | None = None
    endpoint: EndpointRef | None = None


class ReleaseRecord(ApiModel):
    """Who got which connection's secrets, when, for which reload (never the secrets)."""

    id: str
    created: str
    userId: str
    subject: str
    via: str
    askedBy: str
    connectionId: str | None = None
    connectionName: str | None = None
    dataSourceId: str | None = None
    reloadId: str | None = None
    outcome: str
    code: str | None = None


class ReleaseRecords(ApiModel):
    data: list[ReleaseRecord]
    meta: Meta | None = None
    links: PageLinks = Field(default_factory=PageLinks)


class GatewayCreate(RequestModel):
    name: str
    dataSources: list[str] = Field(default_factory=list)
    default: bool | None = None


class Gateway(ApiModel):
    id: str
    name: str
    dataSources: list[str] = Field(default_factory=list)
    default: bool = False
    created: str | None = None


class Gateways(ApiModel):
    data: list[Gateway]


class SourceGateway(ApiModel):
    id: str | None = None
    name: str | None = None
    default: bool | None = None


class SourceGateways(ApiModel):
    gateways: list[SourceGateway] = Field(default_factory=list)
    refreshedAt: str | None = None
