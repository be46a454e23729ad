"""Data connections: create (both forms), update, bulk actions, duplicate, and the answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from dcaas_client.models.common import ApiModel, Etagged, Link, Meta, PageLinks, RequestModel


def _hidden() -> Any:
    """An optional secret member: never shown in a repr or a log line."""
    return Field(default=None, repr=False)


LogOn = Literal["0", "1", "LOG_ON_SERVICE_USER", "LOG_ON_CURRENT_USER"]


class ConnectionCreate(RequestModel):
    """Create from a connect statement (Qlik's low-level form)."""

    qName: str
    qConnectStatement: str
    qType: str
    datasourceID: str
    qID: str | None = None
    qEngineObjectID: str | None = None
    space: str | None = None
    owner: str | None = None
    tags: list[str] | None = None
    qLogOn: LogOn | None = None
    qArchitecture: Literal[0, 1] | None = None
    qUsername: str | None = _hidden()
    qPassword: str | None = _hidden()
    qCredentialsID: str | None = None
    qCredentialsName: str | None = None
    qSeparateCredentials: bool | None = None
    qConnectionSecret: str | None = _hidden()


class PropertiesConnectionCreate(RequestModel):
    """Create from data-source properties (the dcaas form, on either create endpoint)."""

    qName: str
    datasourceID: str
    connectionProperties: dict[str, Any] = Field(repr=False)
    space: str | None = None
    tags: list[str] | None = None
    authUrlOnly: bool | None = None

    def legacy_body(self) -> dict[str, Any]:
        """The deprecated endpoint's names: connectionName, dataSourceId, spaceId."""
        body: dict[str, Any] = {
            "connectionName": self.qName,
            "dataSourceId": self.datasourceID,
            "connectionProperties": self.connectionProperties,
        }
        extra = {"spaceId": self.space, "tags": self.tags, "authUrlOnly": self.authUrlOnly}
        return body | {k: v for k, v in extra.items() if v is not None}


class ConnectionUpdate(RequestModel):
    """PUT: a full replacement in the connect-statement form."""

    qID: str
    qName: str
    qConnectStatement: str
    qType: str
    qEngineObjectID: str
    space: str | None = None
    qLogOn: LogOn | None = None
    qUsername: str | None = _hidden()
    qPassword: str | None = _hidden()
    datasourceID: str | None = None
    qArchitecture: Literal[0, 1] | None = None
    qCredentialsID: str | None = None
    qCredentialsName: str | None = None
    qSeparateCredentials: bool | None = None
    qConnectionSecret: str | None = _hidden()
    tags: list[str] | None = None


class PatchOp(RequestModel):
    """One JSON Patch operation (RFC 6902) as the server takes it."""

    op: Literal["add", "replace", "remove"]
    path: str
    value: Any = None

    def body(self) -> dict[str, Any]:
        dumped = {"op": self.op, "path": self.path}
        return dumped if self.op == "remove" else dumped | {"value": self.value}


class BulkItemRef(RequestModel):
    id: str
    name: str | None = None


class BulkUpdateItem(RequestModel):
    id: str
    name: str | None = None
    ownerId: str | None = None
    spaceId: str | None = None
    spaceType: Literal["personal", "shared", "managed", "data"] | None = None


class DuplicateRequest(RequestModel):
    id: str
    name: str | None = None
    spaceId: str | None = None
    qUsername: str | None = _hidden()
    qPassword: str | None = _hidden()


class ConnectionGet(Etagged):
    qID: str
    qName: str
    qType: str
    qConnectStatement: str = ""
    qEngineObjectID: str | None = None
    id: str | None = None
    qLogOn: int | str | None = None
    qArchitecture: int | None = None
    qSeparateCredentials: bool | None = None
    privileges: list[str] = Field(default_factory=list)
    tenant: str | None = None
    user: str | None = None
    space: str | None = None
    created: str | None = None
    updated: str | None = None
    datasourceID: str | None = None
    tags: list[str] = Field(default_factory=list)
    links: Link | None = None
    version: str | None = None
    qri: str | None = None
    qCredentialsID: str | None = None
    connectionProperties: dict[str, Any] | None = None


class ConnectionCreated(ConnectionGet):
    """The 201 answer of a create or duplicate."""

    qCredentialsName: str | None = None


class AuthUrl(ApiModel):
    """The answer of a create with ``authUrlOnly`` for an OAuth data source."""

    authUrl: str


class Connections(ApiModel):
    data: list[ConnectionGet]
    meta: Meta | None = None
    links: PageLinks = Field(default_factory=PageLinks)


class BulkItem(ApiModel):
    id: str
    status: int
    error: dict[str, Any] | None = None


class BulkResult(ApiModel):
    """A 207 answer: one status per connection."""

    data: list[BulkItem]


class LegacyConnectionCreated(ApiModel):
    """The deprecated ``/dcaas/actions/data-connections`` create answer."""

    connectionId: str
    connectionName: str
    dataSourceId: str
    userId: str | None = None
    tenantId: str | None = None
    spaceId: str | None = None
    createdAt: str | None = None
    updateAt: str | None = None
    credentialsId: str | None = None


class LegacyConnection(LegacyConnectionCreated):
    connectionProperties: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
