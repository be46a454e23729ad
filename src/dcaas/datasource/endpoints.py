"""/api/v1/data-sources: the catalog, each source's api-spec, and per-tenant settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from dcaas.datasource.schemas import (
    ApiSpecResponse,
    DataSourceNew,
    DataSourceSettings,
    DataSourceSettingsRequest,
    DataSourcesResponse,
)
from dcaas.datasource.service import DataSourceService
from dcaas.deps import Body, Caller, Read, Write, parse
from dcaas.kit.http import json_body_doc
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
