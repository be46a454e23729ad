"""/api/v1/data-connections (Qlik's current API)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dcaas.auth.principal import Principal
from dcaas.connection import presenter
from dcaas.connection.bulk import bulk_update
from dcaas.connection.creating import create_properties
from dcaas.connection.patching import apply_patch
from dcaas.connection.repository import SORT_FIELDS
from dcaas.connection.schemas import (
    ActionDeleteRequest,
    ActionDuplicateRequest,
    ActionUpdateRequest,
    AuthUrlResponse,
    BulkResponse,
    ConnectionCreate,
    ConnectionCreateResponse,
    ConnectionGet,
    Connections,
    ConnectionUpdate,
    DcaasConnectionCreate,
)
from dcaas.connection.service import ConnectionService, ListQuery
from dcaas.deps import AppState, Body, Caller, CallsOut, Read, State, Write, parse
from dcaas.errors import BadRequest, Code, ValidationFailed
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.etag import etag
from dcaas.kit.http import (
    PATCH_BODY,
    base_url,
    json_body_doc,
    json_response,
    page_links,
    parse_query,
    query_model_doc,
)
from dcaas.kit.naming import named_as_sent
from dcaas.kit.paging import Cursor, Sort
from dcaas.namespaces import CONNECTIVITY
from dcaas.oauth.service import reauthorize_with_code
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(
    route_class=UnitOfWorkRoute, prefix="/api/v1/data-connections", tags=["data-connections"]
)
ByName = Annotated[str | None, Query(alias="type", pattern="^connectionname$")]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=1024,
        description="Write only if the connection's ETag is among these (or `*`); else 412",
    ),
]


class GetQuery(BaseModel):
    """The query of GET one connection (validated as one model: cheaper than one per field)."""

    type: Literal["connectionname"] | None = Field(
        default=None, description="connectionname: qID is the connection's name"
    )
    spaceId: str | None = Field(default=None, description="The space, with type=connectionname")
    parseConnection: bool = Field(default=False, description="Add connectionProperties")
    extended: bool = False
    credentialId: str | None = None
    byCredentialName: bool = False
    noCache: bool = False


def _service(db: AsyncSession, caller: Principal, state: AppState) -> ConnectionService:
    return ConnectionService(db, caller, state.envelope)


# Qlik's two texts for an omitted ``limit``: /api/v1 "all resources will be returned",
# /api/connectivity "defaults to 20". "All" is bounded per answer so that one request never
# reads a whole tenant; beyond the bound the answer has links.next, as any page does.
ALL_AT_ONCE = 1000
CONNECTIVITY_DEFAULT_LIMIT = 20


def _omitted_limit(path: str) -> int:
    return CONNECTIVITY_DEFAULT_LIMIT if path.startswith(CONNECTIVITY) else ALL_AT_ONCE


class ListParams(BaseModel):
    """The query of the list (Qlik's parameters; parsed as one model, see GetQuery)."""

    limit: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description=(
            "Connections per page. Omitted: 20 under /api/connectivity; under /api/v1 all "
            f"(Qlik's text), at most {ALL_AT_ONCE} per answer with links.next beyond"
        ),
    )
    page: str | None = None
    sort: str | None = None
    filter: str | None = Field(default=None, max_length=2000)
    spaceId: str | None = None
    personal: bool = False
    ownedByMe: bool = False
    userId: str | None = None
    includeDisabled: bool = False
    caseinsensitive: bool = False
    dataName: str | None = None
    # Qlik's parameters that dcaas accepts and ignores
    extended: bool = False
    owner: str | None = None
    noDatafiles: bool = False
    locale: str | None = None
    includeQris: bool = False


@router.get(
    "",
    response_model=Connections,
    response_model_exclude_none=True,
    openapi_extra=query_model_doc(ListParams),
)
async def list_connections(request: Request, db: Read, caller: Caller) -> Any:
    """List the data connections the caller may see, one page at a time."""
    q = parse_query(request, ListParams)
    dataName = q.dataName  # noqa: N806 - Qlik's name
    if dataName is not None and (not dataName.strip() or dataName in ("meta", "links")):
        raise BadRequest(
            "dataName must not be empty, meta or links",
            code=Code.INVALID_QUERY,
            meta={"field": "dataName"},
        )
    order = Sort.parse(q.sort, SORT_FIELDS, "+qName")
    cursor = (
        Cursor.decode(q.page, order, datetime_field=order.field in ("created", "updated"))
        if q.page
        else None
    )
    query = ListQuery(
        limit=q.limit if q.limit is not None else _omitted_limit(request.url.path),
        sort=order,
        cursor=cursor,
        filter=q.filter,
        space_id=q.spaceId,
        personal=q.personal,
        owned_by_me=q.ownedByMe,
        user_id=q.userId,
        include_disabled=q.includeDisabled,
        case_insensitive=q.caseinsensitive,
    )
    state: AppState = request.app.state.dcaas
    result = await _service(db, caller, state).list(query)
    base = base_url(request, state.settings)
    links = page_links(request, result.next, result.prev, links=state.settings)
    return json_response(
        {
            dataName or "data": [
                presenter.connection_doc(v.connection, v.privileges, base) for v in result.items
            ],
            "meta": {"count": result.count},
            "links": links.model_dump(exclude_none=True),
        }
    )


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=ConnectionCreateResponse | AuthUrlResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ConnectionCreate, DcaasConnectionCreate),
)
async def create_connection(
    request: Request, data: Body, unit: CallsOut, caller: Caller, state: State
) -> Any:
    """Create a data connection from a connect statement or from data-source properties."""
    base = base_url(request, state.settings)
    with named_as_sent(data):
        if isinstance(data, dict) and "connectionProperties" in data:
            body = parse(DcaasConnectionCreate, data)
            view = await create_properties(unit, caller, body, state, base)
            if isinstance(view, AuthUrlResponse):
                return view
        else:
            service = _service(unit.writing, caller, state)
            view = await service.create_from_statement(_statement_form(data))
    return presenter.connection_created(view, base)


def _statement_form(data: Any) -> ConnectionCreate:
    """The connect-statement form; its missing fields come with the other form's name."""
    try:
        return parse(ConnectionCreate, data)
    except ValidationFailed as exc:
        if "missing" in exc.meta:
            exc.detail += (
                " (the connect-statement form; to create from data-source properties, "
                "send qName, datasourceID and connectionProperties)"
            )
        raise


@router.post(
    "/actions/delete",
    dependencies=[IDEMPOTENT],
    status_code=207,
    response_model=BulkResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ActionDeleteRequest),
)
async def delete_many(data: Body, db: Write, caller: Caller, state: State) -> BulkResponse:
    """Delete several connections; the answer has a status per connection."""
    body = parse(ActionDeleteRequest, data)
    results = await _service(db, caller, state).bulk_delete([c.id for c in body.connections])
    return BulkResponse.model_validate(
        {
            "data": [
                {"id": i, "status": s, "error": e.to_dict() if e else None} for i, s, e in results
            ]
        }
    )


@router.post(
    "/actions/update",
    dependencies=[IDEMPOTENT],
    status_code=207,
    response_model=BulkResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ActionUpdateRequest),
)
async def update_many(data: Body, db: Write, caller: Caller, state: State) -> BulkResponse:
    """Rename, move or change the owner of several connections."""
    body = parse(ActionUpdateRequest, data)
    results = await bulk_update(_service(db, caller, state), body.connections)
    return BulkResponse.model_validate(
        {
            "data": [
                {"id": i, "status": s, "error": e.to_dict() if e else None} for i, s, e in results
            ]
        }
    )


@router.post(
    "/actions/duplicate",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=ConnectionCreateResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ActionDuplicateRequest),
)
async def duplicate(request: Request, data: Body, db: Write, caller: Caller, state: State) -> Any:
    """Copy a connection (and its embedded credentials) under a new name or into another space."""
    body = parse(ActionDuplicateRequest, data)
    view = await _service(db, caller, state).duplicate(
        body.id,
        name=body.name,
        space_id=body.spaceId,
        username=body.qUsername,
        password=body.qPassword,
    )
    return presenter.connection_created(view, base_url(request, state.settings))


@router.get(
    "/{qID}",
    response_model=ConnectionGet,
    response_model_exclude_none=True,
    responses={
        200: {
            "headers": {
                "ETag": {"description": "The connection's version", "schema": {"type": "string"}}
            }
        }
    },
    openapi_extra=query_model_doc(GetQuery),
)
async def get_connection(request: Request, qID: str, db: Read, caller: Caller) -> Any:
    """One connection; ``parseConnection=true`` adds its properties (never its secrets)."""
    query = parse_query(request, GetQuery)
    state: AppState = request.app.state.dcaas
    service = _service(db, caller, state)
    base = base_url(request, state.settings)
    if query.type is None:  # by id, the hot path: one query, no ORM, serialised once
        read = await service.read_one(qID)
        doc = presenter.connection_doc(
            read.connection, read.privileges, base, parse=query.parseConnection
        )
        return json_response(doc, headers={"ETag": etag(read.connection.version)})
    view = await service.get(qID, by_name=True, space_id=query.spaceId)
    doc = presenter.connection_doc(
        view.connection, view.privileges, base, parse=query.parseConnection
    )
    return json_response(doc, headers={"ETag": etag(view.connection.version)})


@router.patch(
    "/{qID}",
    status_code=204,
    response_class=Response,
    openapi_extra=PATCH_BODY,
)
async def patch_connection(
    qID: str,
    data: Body,
    unit: CallsOut,
    caller: Caller,
    state: State,
    type: ByName = None,  # noqa: A002
    qlik_auth_code: Annotated[str | None, Header(alias="qlik-auth-code")] = None,
    if_match: IfMatch = None,
) -> Response:
    """Change a connection with JSON Patch; ``qlik-auth-code`` re-authorizes an OAuth one."""
    if qlik_auth_code:
        await reauthorize_with_code(
            unit,
            caller,
            state.envelope,
            state.settings,
            ref=qID,
            code=qlik_auth_code,
            by_name=type is not None,
        )
        if data == []:  # the code alone
            return Response(status_code=204)
    version = await _service(unit.writing, caller, state).patch(
        qID, data, apply_patch, by_name=type is not None, if_match=if_match
    )
    return Response(status_code=204, headers={"ETag": etag(version)})


@router.put(
    "/{qID}",
    status_code=204,
    response_class=Response,
    openapi_extra=json_body_doc(ConnectionUpdate),
)
async def put_connection(
    qID: str,
    data: Body,
    db: Write,
    caller: Caller,
    state: State,
    type: ByName = None,  # noqa: A002
    spaceId: str | None = None,
    if_match: IfMatch = None,
) -> Response:
    """Replace a connection (connect-statement form)."""
    body = parse(ConnectionUpdate, data)
    version = await _service(db, caller, state).put(
        qID, body, by_name=type is not None, space_id=spaceId, if_match=if_match
    )
    return Response(status_code=204, headers={"ETag": etag(version)})


@router.delete("/{qID}", status_code=204, response_class=Response)
async def delete_connection(
    qID: str,
    db: Write,
    caller: Caller,
    state: State,
    type: ByName = None,  # noqa: A002
    spaceId: str | None = None,
    if_match: IfMatch = None,
) -> Response:
    """Delete a connection; a separated credential survives it."""
    await _service(db, caller, state).delete(
        qID, by_name=type is not None, space_id=spaceId, if_match=if_match
    )
    return Response(status_code=204)
