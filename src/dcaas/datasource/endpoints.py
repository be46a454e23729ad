"""/api/v1/data-sources: the catalog, each source's api-spec, and per-tenant settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from dcaas.datasource.schemas import (
    ApiSpecResponse,
    DataSourceNew,
    DataSourceSettings,
    DataSourceSettingsRequest,
    DataSourcesResponse,
)
from dcaas.datasource.service import DataSourceService
from dcaas.deps import Body, Caller, CallsOut, Read, State, Write, parse
from dcaas.engine.presenter import endpoint_ref, release_out
from dcaas.engine.repository import RELEASES
from dcaas.engine.schemas import (
    EndpointCreate,
    EndpointInstanceRef,
    GetEndpointsResponse,
    PostEndpointRequest,
    PostEndpointResponse,
    Releases,
    SourceGateway,
    SourceGateways,
)
from dcaas.engine.service import EngineService, OperatorService, require_engine
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import json_body_doc, page_links
from dcaas.kit.paging import Cursor, Sort
from dcaas.kit.schemas import Meta
from dcaas.kit.time import iso, utcnow
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(
    route_class=UnitOfWorkRoute, prefix="/api/v1/data-sources", tags=["data-sources"]
)
_CATALOG_UPDATED = "2026-11-22T00:00:00.000Z"  # the catalog is code: it changes with releases


@router.get("", response_model=DataSourcesResponse, response_model_exclude_none=True)
async def list_data_sources(
    db: Read,
    caller: Caller,
    dataSourceId: str | None = None,
    includeDisabled: bool = False,
    detail: bool = False,  # noqa: ARG001 - a Qlik query parameter, accepted and ignored
    includeui: bool = False,  # noqa: ARG001 - a Qlik query parameter, accepted and ignored
) -> Any:
    """The data sources of this deployment."""
    sources = await DataSourceService(db, caller).list(
        data_source_id=dataSourceId, include_disabled=includeDisabled
    )
    return DataSourcesResponse(
        dataSources=[DataSourceNew.of(s, disabled=d) for s, d in sources],
        lastUpdated=_CATALOG_UPDATED,
    )


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


# -- the engine endpoints (dcaas.engine): the one place a connection's secret leaves dcaas --
@router.get("/endpoints", response_model=GetEndpointsResponse, response_model_exclude_none=True)
async def list_endpoints(db: Read, caller: Caller) -> Any:
    """The registered engine instances (engines and tenant admins); [] when none are."""
    found = await OperatorService(db, caller).list_endpoints()
    return GetEndpointsResponse(endpoints=[endpoint_ref(e) for e in found])


@router.post(
    "/endpoints",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=EndpointInstanceRef,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(EndpointCreate),
)
async def add_endpoint(data: Body, db: Write, caller: Caller) -> Any:
    """Register where an engine for a data source runs (tenant admins)."""
    body = parse(EndpointCreate, data)
    endpoint = await OperatorService(db, caller).add_endpoint(
        data_source_id=body.dataSourceId, url=body.url, is_pod_url=body.isPodUrl
    )
    return endpoint_ref(endpoint)


@router.delete("/endpoints/{endpointId}", status_code=204, response_class=Response)
async def remove_endpoint(endpointId: str, db: Write, caller: Caller) -> Response:
    """Forget an engine instance (tenant admins)."""
    await OperatorService(db, caller).remove_endpoint(endpointId)
    return Response(status_code=204)


@router.post(
    "/endpoints/actions/filter",
    status_code=201,
    response_model=PostEndpointResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(PostEndpointRequest),
)
async def filter_endpoints(data: Body, unit: CallsOut, caller: Caller, state: State) -> Any:
    """Release a connection to an engine: its connection string and secrets (engine grant
    only; every answer is recorded, see GET /endpoints/releases)."""
    require_engine(caller)
    body = parse(PostEndpointRequest, data).check()
    return await EngineService(state, caller).release(unit, body)


@router.get("/endpoints/releases", response_model=Releases, response_model_exclude_none=True)
async def list_releases(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    connectionId: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    page: str | None = None,
    sort: str | None = None,
) -> Any:
    """Who got which connection's secrets, when, for which reload (tenant admins); never
    the secrets."""
    order = Sort.parse(sort, RELEASES.sort_fields, "-created")
    cursor = Cursor.decode(page, order, datetime_field=True) if page else None
    result = await EngineService(state, caller).releases(
        db, connection_id=connectionId, sort=order, cursor=cursor, limit=limit
    )
    return Releases(
        data=[release_out(r) for r in result.items],
        meta=Meta(count=result.count),
        links=page_links(request, result.next, result.prev, links=state.settings),
    )


@router.get(
    "/{dataSourceId}/gateways", response_model=SourceGateways, response_model_exclude_none=True
)
async def source_gateways(
    dataSourceId: str,
    db: Read,
    caller: Caller,
    forceRefresh: bool = False,  # noqa: ARG001 - Qlik's; the list is read anew every time
) -> Any:
    """The gateways registered for a Direct Access (DG_*) data source."""
    found = await OperatorService(db, caller).gateways_of(dataSourceId)
    return SourceGateways(
        gateways=[SourceGateway(id=g.id, name=g.name, default=g.is_default) for g in found],
        refreshedAt=iso(utcnow()),
    )
