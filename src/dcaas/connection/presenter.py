"""Connections into their response shapes (current and deprecated).

GET one and list pages answer :func:`connection_doc` serialised once (orjson): it is the
``ConnectionGet`` shape as JSON-ready data, ``None`` members left out, exactly what the model
would dump (``tests/connection/test_presenter.py`` holds them equal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.connection.schemas import (
    ConnectionCreateResponse,
    ConnectionGet,
    CreateConnectionRes,
    GetConnectionResponse,
)
from dcaas.connectors import get_data_source
from dcaas.datasource.qri import connection_qri
from dcaas.kit.time import iso

if TYPE_CHECKING:
    from dcaas.connection.models import Connection
    from dcaas.connection.repository import ConnectionRow
    from dcaas.connection.service import ConnectionView

    Fields = Connection | ConnectionRow


def _qri(c: Fields) -> str | None:
    return connection_qri(get_data_source(c.data_source_id), c.properties)


def _common(c: Fields, privileges: list[str], base_url: str, log_on: int | str) -> dict[str, Any]:
    """The members both shapes share, in the models' order."""
    return {
        "qID": c.id,
        "id": c.id,
        "qEngineObjectID": c.id,
        "qName": c.name,
        "qConnectStatement": c.connect_statement,
        "qType": c.q_type,
        "qLogOn": log_on,
        "qArchitecture": c.architecture,
        "qSeparateCredentials": c.separate_credentials,
        "privileges": privileges,
        "tenant": c.tenant_id,
        "user": c.owner_id,
        "space": c.space_id,
        "created": iso(c.created),
        "createdAt": iso(c.created),  # the /api/connectivity types' name for ``created``
        "updated": iso(c.updated),
        "datasourceID": c.data_source_id,
        "tags": list(c.tags),
        "links": {"self": {"href": f"{base_url}/api/v1/data-connections/{c.id}"}},
        "version": "V1",
    }


def connection_doc(
    c: Fields, privileges: list[str], base_url: str, *, parse: bool = False
) -> dict[str, Any]:
    """``ConnectionGet`` as JSON-ready data, ``None`` members left out."""
    doc = _common(c, privileges, base_url, c.log_on)
    if (qri := _qri(c)) is not None:
        doc["qri"] = qri
    if c.credential_id is not None:
        doc["qCredentialsID"] = c.credential_id
    if parse:
        doc["connectionProperties"] = dict(c.properties)
    if c.auth_status:
        doc["authStatus"] = c.auth_status
    return doc


def connection_get(view: ConnectionView, base_url: str, *, parse: bool = False) -> ConnectionGet:
    return ConnectionGet.model_validate(
        connection_doc(view.connection, view.privileges, base_url, parse=parse)
    )


def connection_created(view: ConnectionView, base_url: str) -> ConnectionCreateResponse:
    c = view.connection
    return ConnectionCreateResponse(
        **_common(c, view.privileges, base_url, "1" if c.log_on else "0"),
        qri=_qri(c),
        qCredentialsID=view.credential_id or c.credential_id,
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
        credentialsId=view.credential_id or c.credential_id,
    )


def dcaas_get(view: ConnectionView) -> GetConnectionResponse:
    created = dcaas_created(view)
    return GetConnectionResponse(
        **created.model_dump(),
        connectionProperties=dict(view.connection.properties),
        tags=list(view.connection.tags),
    )


def qri(c: Fields) -> str | None:
    """A connection's QRI (as GET one answers it), for other domains."""
    return _qri(c)
