"""/api/v1/dcaas/actions/data-connections: Qlik's deprecated API, kept working as documented.

Every answer carries ``Deprecation`` and a ``Link`` to its successor (RFC 9745, RFC 8288).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from dcaas.connection import presenter
from dcaas.connection.creating import create_properties
from dcaas.connection.schemas import (
    AuthUrlResponse,
    CreateConnectionRes,
    DcaasConnectionCreate,
    GetConnectionResponse,
)
from dcaas.connection.service import ConnectionService
from dcaas.datasource.schemas import ApiSpecResponse
from dcaas.datasource.service import DataSourceService
from dcaas.deps import Body, Caller, CallsOut, Read, State, parse
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import base_url, json_body_doc
from dcaas.kit.naming import named_as_sent
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(
    route_class=UnitOfWorkRoute,
    prefix="/api/v1/dcaas/actions/data-connections",
    tags=["dcaas (deprecated)"],
)
DEPRECATION = "@1721606400"  # 2024-07-22, Qlik's changelog 102


def _deprecated(response: Response, successor: str) -> None:
    response.headers["Deprecation"] = DEPRECATION
    response.headers["Link"] = f'<{successor}>; rel="successor-version"'


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    deprecated=True,
    response_model=CreateConnectionRes | AuthUrlResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(DcaasConnectionCreate),
)
async def create(
    request: Request, response: Response, data: Body, unit: CallsOut, caller: Caller, state: State
) -> Any:
    """Create a connection from data-source properties. Use POST /api/v1/data-connections."""
    _deprecated(response, "/api/v1/data-connections")
    base = base_url(request, state.settings)
    with named_as_sent(data, prefer_aliases=True):  # this API's names: dataSourceId ...
        body = parse(DcaasConnectionCreate, data)
        view = await create_properties(unit, caller, body, state, base)
    if isinstance(view, AuthUrlResponse):
        return view
    return presenter.dcaas_created(view)


@router.get(
    "/api-specs", deprecated=True, response_model=ApiSpecResponse, response_model_by_alias=True
)
async def api_specs(
    response: Response,
    db: Read,
    caller: Caller,
    dataSourceId: Annotated[str, Query(min_length=1)],
) -> Any:
    """A data source's properties. Use GET /api/v1/data-sources/{id}/api-specs."""
    _deprecated(response, f"/api/v1/data-sources/{quote(dataSourceId, safe='')}/api-specs")
    source = await DataSourceService(db, caller).enabled(dataSourceId)
    return ApiSpecResponse.of(source)


@router.get(
    "/{connectionId}",
    deprecated=True,
    response_model=GetConnectionResponse,
    response_model_exclude_none=True,
)
async def get(response: Response, connectionId: str, db: Read, caller: Caller, state: State) -> Any:
    """One connection with its properties. Use GET /api/v1/data-connections/{id}?parseConnection=true."""  # noqa: E501 - the OpenAPI description; a line break would show in it
    successor = f"/api/v1/data-connections/{quote(connectionId, safe='')}?parseConnection=true"
    _deprecated(response, successor)
    view = await ConnectionService(db, caller, state.envelope).get(connectionId)
    return presenter.dcaas_get(view)
