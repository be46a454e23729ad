"""Qlik's shapes of the engine endpoints (``@qlik/api`` ``connectivity/data-sources``), and
dcaas's for release records, engine instances and gateways."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dcaas.errors import ValidationFailed
from dcaas.kit.schemas import MAX_NAME, Meta, StrictModel, TopLevelLinks

_WAYS = ("connectionId", "connectionName", "connectionString", "dataSourceId")


class EndpointInstanceRef(BaseModel):
    id: str
    dataSourceId: str
    url: str
    isPodUrl: bool | None = None


class GetEndpointsResponse(BaseModel):
    endpoints: list[EndpointInstanceRef] = Field(default_factory=list)


class ConnectionInstance(BaseModel):
    """What an engine needs to connect. ``password`` carries the secret (an OAuth source's
    fresh access token); ``connectionString`` holds every property, secrets included."""

    connectionId: str | None = None
    connectionString: str
    dataInterfaceType: str
    password: str | None = None
    qri: str | None = None
    spaceQualifiedConnectionName: str | None = None
    user: str | None = None


class PostEndpointResponse(BaseModel):
    connection: ConnectionInstance | None = None
    endpoint: EndpointInstanceRef | None = None


class PostEndpointRequest(StrictModel):
    """One of Qlik's four shapes: by connection id, name, connection string or data source."""

    connectionId: str | None = Field(default=None, max_length=64)
    connectionName: str | None = Field(default=None, min_length=1, max_length=2 * MAX_NAME + 1)
    spaceId: str | None = Field(default=None, max_length=64)
    connectionString: str | None = Field(default=None, min_length=1, max_length=65536)
    dataSourceId: str | None = Field(default=None, min_length=1, max_length=128)
    checkCredentials: bool = False
    reloadId: str | None = Field(default=None, max_length=256)
    type: Literal["rld", "dq"] = "rld"

    def check(self) -> PostEndpointRequest:
        """Exactly one way to ask (Qlik's four body shapes are one union)."""
        given = [w for w in _WAYS if getattr(self, w) is not None]
        if len(given) != 1:
            raise ValidationFailed(
                "give exactly one of " + ", ".join(_WAYS),
                field=given[1] if given else "connectionId",
                extra={"given": given},
            )
        if self.spaceId is not None and self.connectionName is None:
            raise ValidationFailed("spaceId goes only with connectionName", field="spaceId")
        return self

    @property
    def asked_by(self) -> str:
        return next(w for w in _WAYS if getattr(self, w) is not None)


class ReleaseOut(BaseModel):
    """One answer of the engine endpoint. Never the secret."""

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
    outcome: Literal["released", "refused"]
    code: str | None = None


class Releases(BaseModel):
    data: list[ReleaseOut]
    meta: Meta
    links: TopLevelLinks


class EndpointCreate(StrictModel):
    dataSourceId: str = Field(min_length=1, max_length=128)
    url: str = Field(min_length=1, max_length=2048, description="The engine's (gRPC) URL")
    isPodUrl: bool = False


class GatewayCreate(StrictModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    dataSources: list[str] = Field(
        default_factory=list, max_length=256, description="The DG_* data sources it serves"
    )
    default: bool = Field(default=False, description="The default gateway of its sources")


class GatewayOut(BaseModel):
    id: str
    name: str
    dataSources: list[str]
    default: bool
    created: str


class Gateways(BaseModel):
    data: list[GatewayOut]


class SourceGateway(BaseModel):
    default: bool | None = None
    id: str | None = None
    name: str | None = None


class SourceGateways(BaseModel):
    """Qlik's answer of ``GET /data-sources/{id}/gateways``."""

    gateways: list[SourceGateway] = Field(default_factory=list)
    refreshedAt: str | None = None
