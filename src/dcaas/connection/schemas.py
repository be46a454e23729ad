"""Request and response shapes of /data-connections and the deprecated /dcaas endpoints.

Field names are Qlik's (``qName``, ``datasourceID`` ...); aliases Qlik clients send
(``connectionName``, ``dataSourceId``, ``spaceId``) are accepted on input.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, Field, model_validator

from dcaas.errors import ValidationFailed
from dcaas.kit.schemas import (
    MAX_NAME,
    Link,
    Meta,
    StrictModel,
    Tags,
    TopLevelLinks,
    decode_json_string,
)

LogOn = Literal["0", "1", "LOG_ON_SERVICE_USER", "LOG_ON_CURRENT_USER"]
_Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
_Id = Annotated[str, Field(min_length=1, max_length=64)]
# Data-source ids and provider names: the store keeps at most 128 characters.
_Kind = Annotated[str, Field(min_length=1, max_length=128)]
_Secret = Annotated[str, Field(max_length=65_536)]


def _log_on(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


LogOnIn = Annotated[LogOn, BeforeValidator(_log_on)]


class DcaasConnectionCreate(StrictModel):
    """Create from data-source properties (the former dcaas API)."""

    qName: _Name = Field(validation_alias=AliasChoices("qName", "connectionName"))
    datasourceID: _Kind = Field(validation_alias=AliasChoices("datasourceID", "dataSourceId"))
    connectionProperties: Annotated[dict[str, Any], BeforeValidator(decode_json_string)]
    space: str | None = Field(default=None, validation_alias=AliasChoices("space", "spaceId"))
    tags: Tags = Field(default_factory=list)
    authUrlOnly: bool = False


class ConnectionCreate(StrictModel):
    """Create from a connect statement (Qlik's low-level form)."""

    qName: _Name = Field(validation_alias=AliasChoices("qName", "connectionName"))
    qConnectStatement: str = Field(min_length=1, max_length=65_536)
    qType: _Kind
    datasourceID: _Kind = Field(validation_alias=AliasChoices("datasourceID", "dataSourceId"))
    qID: str | None = None
    qEngineObjectID: str | None = None
    space: str | None = Field(default=None, validation_alias=AliasChoices("space", "spaceId"))
    # ``owner`` in /api/v1's types, ``ownerId`` in /api/connectivity's: both are accepted
    owner: str | None = Field(default=None, validation_alias=AliasChoices("owner", "ownerId"))
    tags: Tags = Field(default_factory=list)
    qLogOn: LogOnIn = "0"
    qArchitecture: Literal[0, 1] = 0
    qUsername: _Secret | None = None
    qPassword: _Secret | None = None
    qCredentialsID: str | None = None
    qCredentialsName: str | None = Field(default=None, max_length=MAX_NAME)
    qSeparateCredentials: bool = False
    qConnectionSecret: _Secret | None = None
    qriInRequest: str | None = None


# What a GET answer carries that a PUT cannot change: Qlik's read-only members (and dcaas's
# own ``createdAt`` twin and ``authStatus``). A GET answer sent back as a PUT body is accepted
# with them ignored; ``id`` must still name the connection ``qID`` names.
READ_ONLY = frozenset(
    {"id", "privileges", "tenant", "user", "created", "createdAt", "updated", "links"}
    | {"version", "qri", "authStatus"}
)


class ConnectionUpdate(StrictModel):
    """PUT: a full replacement in the connect-statement form."""

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "id" in data and "qID" in data and data["id"] != data["qID"]:
            # Not a ValueError: raised as it is, with the field it is about.
            raise ValidationFailed(
                "id is read-only: it must equal qID (or be left out)", field="id"
            )
        return {k: v for k, v in data.items() if k not in READ_ONLY}

    qID: str
    qName: _Name = Field(validation_alias=AliasChoices("qName", "connectionName"))
    qConnectStatement: str = Field(min_length=1, max_length=65_536)
    qType: _Kind
    qEngineObjectID: str
    space: str | None = Field(default=None, validation_alias=AliasChoices("space", "spaceId"))
    qLogOn: LogOnIn | None = None
    qUsername: _Secret | None = None
    qPassword: _Secret | None = None
    datasourceID: str | None = Field(
        default=None, validation_alias=AliasChoices("datasourceID", "dataSourceId")
    )
    qArchitecture: Literal[0, 1] | None = None
    qCredentialsID: str | None = None
    qCredentialsName: str | None = None
    qSeparateCredentials: bool | None = None
    qConnectionSecret: _Secret | None = None
    tags: Tags | None = None


class BulkItemRef(StrictModel):
    id: _Id
    name: str | None = None


class ActionDeleteRequest(StrictModel):
    connections: list[BulkItemRef] = Field(min_length=1, max_length=100)


class BulkUpdateItem(StrictModel):
    id: _Id
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    ownerId: str | None = None
    spaceId: str | None = None
    spaceType: Literal["personal", "shared", "managed", "data"] | None = None


class ActionUpdateRequest(StrictModel):
    connections: list[BulkUpdateItem] = Field(min_length=1, max_length=100)


class ActionDuplicateRequest(StrictModel):
    id: _Id
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    spaceId: str | None = None
    qUsername: _Secret | None = None
    qPassword: _Secret | None = None


# -- responses ---------------------------------------------------------------------------


class ConnectionGet(BaseModel):
    qID: str
    id: str
    qEngineObjectID: str
    qName: str
    qConnectStatement: str
    qType: str
    qLogOn: int
    qArchitecture: int
    qSeparateCredentials: bool
    privileges: list[str]
    tenant: str
    user: str
    space: str
    created: str
    createdAt: str
    updated: str
    datasourceID: str
    tags: list[str]
    links: Link
    version: str = "V1"
    qri: str | None = None
    qCredentialsID: str | None = None
    connectionProperties: dict[str, Any] | None = None
    # OAuth data sources only: "ok" or "needs-reauthentication".
    authStatus: Literal["ok", "needs-reauthentication"] | None = None


class ConnectionCreateResponse(BaseModel):
    qID: str
    id: str
    qEngineObjectID: str
    qName: str
    qConnectStatement: str
    qType: str
    qLogOn: LogOn
    qArchitecture: int
    qSeparateCredentials: bool
    privileges: list[str]
    tenant: str
    user: str
    space: str
    created: str
    createdAt: str
    updated: str
    datasourceID: str
    tags: list[str]
    links: Link
    version: str = "V1"
    qri: str | None = None
    qCredentialsID: str | None = None
    qCredentialsName: str | None = None


class AuthUrlResponse(BaseModel):
    authUrl: str


class Connections(BaseModel):
    data: list[ConnectionGet]
    meta: Meta
    links: TopLevelLinks


class BulkItem(BaseModel):
    id: str
    status: int
    error: dict[str, Any] | None = None


class BulkResponse(BaseModel):
    data: list[BulkItem]


# -- the deprecated dcaas shapes ---------------------------------------------------------


class CreateConnectionRes(BaseModel):
    connectionId: str
    connectionName: str
    dataSourceId: str
    userId: str
    tenantId: str
    spaceId: str
    createdAt: str
    updateAt: str
    credentialsId: str | None = None


class GetConnectionResponse(CreateConnectionRes):
    connectionProperties: dict[str, Any]
    tags: list[str]
