"""POST /data-sources/actions/generate-qri: a QRI per entry, a status per entry (207).

An entry names a connection by id, by name (``Space:Name``, or ``:Name`` in ``spaceId`` or,
without it, the caller's personal space) or by its connect statement with ``dataSourceId``;
the caller must be able to see a connection it names. The QRI is built from the data
source's templates (:mod:`dcaas.datasource.qri`). One entry failing fails only that entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.connection import statement as statements
from dcaas.connectors import DataSource, get_data_source
from dcaas.datasource import qri as templates
from dcaas.datasource.schemas import (
    DcaasApiError,
    QriRequest,
    QriRequestItem,
    QriResponseItem,
    QriStatus,
)
from dcaas.errors import Code, DcaasError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from dcaas.connection.models import Connection
    from dcaas.connection.service import ConnectionService


async def generate(service: ConnectionService, request: QriRequest) -> list[QriResponseItem]:
    return [await _one(service, item, raw=request.rawValues) for item in request.data]


async def _one(service: ConnectionService, item: QriRequestItem, *, raw: bool) -> QriResponseItem:
    data_source_id = item.dataSourceId or ""
    try:
        source, part = await _connection_part(service, item)
        data_source_id = source.id
        built = templates.build(
            source,
            part,
            path=[(p.name, p.value or "") for p in item.pathProperties],
            item=[(p.name, p.value or "") for p in item.itemProperties],
            raw=raw,
        )
    except templates.QriError as exc:
        return _failed(item, data_source_id, ValidationFailed(str(exc), field="pathProperties"))
    except DcaasError as exc:
        return _failed(item, data_source_id, exc)
    return QriResponseItem(
        connection=item.connection,
        connectionType=item.connectionType,
        dataSourceId=data_source_id,
        isFullyQualified=built.fully_qualified,
        qri=built.qri,
        requestId=item.requestId,
        status=QriStatus(code=200),
    )


def _failed(item: QriRequestItem, data_source_id: str, exc: DcaasError) -> QriResponseItem:
    digits = "".join(ch for ch in exc.code if ch.isdigit())
    return QriResponseItem(
        connection=item.connection,
        connectionType=item.connectionType,
        dataSourceId=data_source_id,
        isFullyQualified=False,
        qri="",
        requestId=item.requestId,
        status=QriStatus(
            code=exc.status,
            errorResponse=DcaasApiError(
                dcaasErrorCode=int(digits) if digits else None,
                errorCodeName=exc.code,
                errorMessage=exc.detail,
            ),
        ),
    )


async def _connection_part(
    service: ConnectionService, item: QriRequestItem
) -> tuple[DataSource, str]:
    if item.connectionType == "properties":
        if not item.dataSourceId:
            raise ValidationFailed(
                "dataSourceId is required when connectionType is properties", field="dataSourceId"
            )
        source = _source(item.dataSourceId)
        parsed = statements.parse(item.connection)
        properties = dict(parsed.properties) if parsed else {}
    else:
        connection = await _named(service, item)
        source = _source(connection.data_source_id)
        properties = dict(connection.properties)
    part = templates.connection_part(source, properties)
    if part is None:
        names = ", ".join(source.qri_properties) or "none"
        raise ValidationFailed(
            f"the connection does not set what the QRI template of {source.id!r} needs ({names})",
            field="connection",
        )
    return source, part


def _source(data_source_id: str) -> DataSource:
    source = get_data_source(data_source_id)
    if source is None:
        raise NotFound(f"data source {data_source_id!r} not found", code=Code.DATASOURCE_NOT_FOUND)
    if not source.qri_prefix:
        raise ValidationFailed(
            f"data source {data_source_id!r} has no QRI definition", field="dataSourceId"
        )
    return source


async def _named(service: ConnectionService, item: QriRequestItem) -> Connection:
    if item.connectionType == "id":
        return await service.find(item.connection)
    space_name, sep, name = item.connection.partition(":")
    if not sep:  # an unqualified name: in spaceId, else in any space the caller sees
        return await service.find(item.connection, by_name=True, space_id=item.spaceId)
    space_id = await service.access.space_id_named(space_name) if space_name else item.spaceId
    if not space_name and space_id is None:
        space_id = await service.access.personal_space_id()
    return await service.find(name, by_name=True, space_id=space_id)
