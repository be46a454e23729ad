"""Connections into their response shapes (current and deprecated)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.connection.schemas import (
    ConnectionCreateResponse,
    ConnectionGet,
    CreateConnectionRes,
    GetConnectionResponse,
)
from dcaas.connectors import get_data_source
from dcaas.kit.schemas import Href, Link
from dcaas.kit.time import iso

if TYPE_CHECKING:
    from dcaas.connection.service import ConnectionView


def _qri(view: ConnectionView) -> str | None:
    c = view.connection
    source = get_data_source(c.data_source_id)
    if source is None or not source.qri_prefix:
        return None
    try:
        return source.qri_prefix + source.qri_connection_template.format(**c.properties)
    except (KeyError, IndexError, ValueError):
        return None


def _common(view: ConnectionView, base_url: str) -> dict[str, Any]:
    c = view.connection
    return {
        "qID": c.id,
        "id": c.id,
        "qEngineObjectID": c.id,
        "qName": c.name,
        "qConnectStatement": c.connect_statement,
        "qType": c.q_type,
        "qArchitecture": c.architecture,
        "qSeparateCredentials": c.separate_credentials,
        "privileges": view.privileges,
        "tenant": c.tenant_id,
        "user": c.owner_id,
        "space": c.space_id,
        "created": iso(c.created),
        "updated": iso(c.updated),
        "datasourceID": c.data_source_id,
        "tags": list(c.tags),
        "links": Link(self=Href(href=f"{base_url}/api/v1/data-connections/{c.id}")),
        "qri": _qri(view),
        "qCredentialsID": c.credential_id,
    }


def connection_get(view: ConnectionView, base_url: str, *, parse: bool = False) -> ConnectionGet:
    c = view.connection
    extra: dict[str, Any] = {"connectionProperties": dict(c.properties)} if parse else {}
    if c.auth_status:
        extra["authStatus"] = c.auth_status
    return ConnectionGet(**_common(view, base_url), qLogOn=c.log_on, **extra)


def connection_created(view: ConnectionView, base_url: str) -> ConnectionCreateResponse:
    return ConnectionCreateResponse(
        **_common(view, base_url),
        qLogOn="1" if view.connection.log_on else "0",
        qCredentialsName=view.credential_name,
    )


def dcaas_created(view: ConnectionView) -> CreateConnectionRes:
    c = view.connection
    return CreateConnectionRes(
        connectionId=c.id,
        connectionName=c.name,
        dataSourceId=c.data_source_id,
        userId=c.owner_id,
        tenantId=c.tenant_id,
        spaceId=c.space_id,
        createdAt=iso(c.created),
        updateAt=iso(c.updated),
        credentialsId=c.credential_id,
    )


def dcaas_get(view: ConnectionView) -> GetConnectionResponse:
    created = dcaas_created(view)
    return GetConnectionResponse(
        **created.model_dump(),
        connectionProperties=dict(view.connection.properties),
        tags=list(view.connection.tags),
    )
