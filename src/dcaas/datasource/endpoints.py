"""/api/v1/data-sources: the catalog, each source's api-spec, per-tenant settings, and QRIs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from dcaas.connection import qri
from dcaas.connection.service import ConnectionService
from dcaas.connectors import DataSource, all_data_sources
from dcaas.datasource.schemas import (
    ApiSpecResponse,
    ConnectorNodesInfo,
    DataSourceNew,
    DataSourceSettings,
    DataSourceSettingsRequest,
    DataSourcesResponse,
    QriRequest,
    QriResponse,
    UiInfo,
)
from dcaas.datasource.service import DataSourceService
from dcaas.deps import Body, Caller, Read, State, Write, parse
from dcaas.kit.http import base_url, json_body_doc
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(
    route_class=UnitOfWorkRoute, prefix="/api/v1/data-sources", tags=["data-sources"]
)
_CATALOG_UPDATED = "2026-11-22T00:00:00.000Z"  # the catalog is code: it changes with releases


@router.get("", response_model=DataSourcesResponse, response_model_exclude_none=True)
async def list_data_sources(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    dataSourceId: str | None = None,
    includeDisabled: bool = False,
    detail: bool = False,
    includeui: bool = False,
) -> Any:
    """The data sources of this deployment; ``includeui`` adds where to create a connection
    of each, ``detail`` the connector providers that serve them."""
    sources = await DataSourceService(db, caller).list(
        data_source_id=dataSourceId, include_disabled=includeDisabled
    )
    base = base_url(request, state.settings)
    ui = UiInfo(connectUrl=f"{base}/connections/new") if includeui else None
    return DataSourcesResponse(
        dataSources=[DataSourceNew.of(s, disabled=d, ui=ui) for s, d in sources],
        connectorNodes=_nodes(base) if detail else None,
        lastUpdated=_CATALOG_UPDATED,
        updatedAt=_CATALOG_UPDATED,
    )


def _nodes(base: str) -> list[ConnectorNodesInfo]:
    by_provider: dict[str, list[DataSource]] = {}
    for source in all_data_sources():
        by_provider.setdefault(source.provider, []).append(source)
    return [
        ConnectorNodesInfo(
            url=base,
            state="READY" if all(s.availability().available for s in group) else "DRIVER_MISSING",
            providerName=group[0].provider_name,
            cachedDataSources=[s.id for s in group],
        )
        for group in by_provider.values()
    ]


@router.post(
    "/actions/generate-qri",
    status_code=207,
    response_model=QriResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(QriRequest),
)
async def generate_qri(data: Body, db: Write, caller: Caller, state: State) -> Any:
    """QRIs of connections named by id, name or connect statement; a status per entry."""
    body = parse(QriRequest, data)
    return QriResponse(data=await qri.generate(ConnectionService(db, caller, state.envelope), body))


@router.get(
    "/{dataSourceId}/api-specs", response_model=ApiSpecResponse, response_model_by_alias=True
)
async def api_specs(dataSourceId: str, db: Read, caller: Caller) -> Any:
    """The JSON Schema of a data source's connectionProperties, with required and secret markers."""
    return ApiSpecResponse.of(await DataSourceService(db, caller).enabled(dataSourceId))


@router.get("/{dataSourceId}/settings", response_model=DataSourceSettings)
async def get_settings(dataSourceId: str, db: Read, caller: Caller) -> Any:
    """Whether the data source is disabled for this tenant."""
    return DataSourceSettings(disabled=await DataSourceService(db, caller).settings(dataSourceId))


@router.put(
    "/{dataSourceId}/settings",
    response_model=DataSourceSettings,
    openapi_extra=json_body_doc(DataSourceSettingsRequest),
)
async def put_settings(dataSourceId: str, data: Body, db: Write, caller: Caller) -> Any:
    """Enable or disable a data source for this tenant (tenant admins)."""
    body = parse(DataSourceSettingsRequest, data)
    disabled = await DataSourceService(db, caller).set_disabled(
        dataSourceId, disabled=body.disabled
    )
    return DataSourceSettings(disabled=disabled)
