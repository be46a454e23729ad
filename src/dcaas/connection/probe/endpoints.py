"""Test, browse and preview data connections (issue 3): thin handlers over ProbeService."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request

from dcaas.audit import types as events
from dcaas.audit.calls import audited_call, record_test
from dcaas.connection.probe.schemas import (
    BrowseItem,
    BrowsePage,
    PreviewResponse,
    ProbeResponse,
    ProbeStep,
)
from dcaas.connection.probe.service import ProbeResult, ProbeService
from dcaas.connection.probe.targets import Target, Targets
from dcaas.connection.schemas import ConnectionCreate, DcaasConnectionCreate
from dcaas.connection.service import ConnectionService
from dcaas.deps import AppState, Body, Caller, CallsOut, State, json_body
from dcaas.errors import BadRequest, Code
from dcaas.kit.http import json_body_doc, page_links
from dcaas.kit.paging import Cursor, Sort
from dcaas.unit_of_work import UnitOfWork, UnitOfWorkRoute

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.connectors.base import Entry

router = APIRouter(
    prefix="/api/v1/data-connections", tags=["data-connections"], route_class=UnitOfWorkRoute
)
_BROWSE = Sort("browse", descending=False)
_PATCH_BODY = json_body_doc("PatchRequest", required=False)  # none: test as saved
Path = Annotated[str, Query(max_length=4096, description="Where to look; '' is the top")]


def _targets(db: AsyncSession, caller: Principal, state: AppState) -> Targets:
    return Targets(ConnectionService(db, caller, state.envelope), state, caller)


async def _saved(unit: UnitOfWork, ref: str, caller: Principal, state: AppState) -> Target:
    """What a call to a saved connection needs, in a short read that ends before the call."""
    async with unit.read() as db:
        return await _targets(db, caller, state).saved(ref)


def _answer(result: ProbeResult) -> ProbeResponse:
    steps = [
        ProbeStep(
            name=s.name,
            status=s.status,
            elapsedMs=s.elapsed_ms,
            code=s.code,
            failureClass=s.failure_class,
            detail=s.detail,
        )
        for s in result.steps
    ]
    return ProbeResponse(status="passed" if result.passed else "failed", steps=steps)


def _tested(unit: UnitOfWork, object_id: str | None, result: ProbeResult) -> ProbeResponse:
    """The test's answer, its event recorded (which step failed and how; no message)."""
    data: dict[str, Any] = {}
    failed = next((s for s in result.steps if s.status == "failed"), None)
    if failed is not None:
        found = {"step": failed.name, "code": failed.code, "failureType": failed.failure_class}
        data = {k: str(v) for k, v in found.items() if v is not None}
    record_test(
        unit, events.CONNECTION_TESTED, object_id=object_id, passed=result.passed, data=data
    )
    return _answer(result)


@router.post(
    "/actions/test",
    response_model=ProbeResponse,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ConnectionCreate, DcaasConnectionCreate),
)
async def test_definition(data: Body, unit: CallsOut, caller: Caller, state: State) -> Any:
    """Test an unsaved connection (the create body); nothing is stored."""
    async with unit.read() as db:
        target = await _targets(db, caller, state).definition(data)
    return _tested(unit, None, await ProbeService(state, caller).test(target))


@router.post(
    "/{qID}/actions/test",
    response_model=ProbeResponse,
    response_model_exclude_none=True,
    openapi_extra=_PATCH_BODY,
)
async def test_connection(
    request: Request, qID: str, unit: CallsOut, caller: Caller, state: State
) -> Any:
    """Test a saved connection, or (with a JSON Patch body) the change it describes."""
    ops = await json_body(request) if (await request.body()).strip() else None
    if ops in (None, []):
        target = await _saved(unit, qID, caller, state)
    else:
        async with unit.scratch() as db:  # rolled back before the call
            target = await _targets(db, caller, state).proposed(qID, ops)
    return _tested(unit, qID, await ProbeService(state, caller).test(target))


@router.get("/{qID}/browse", response_model=BrowsePage, response_model_exclude_none=True)
async def browse(
    *,
    request: Request,
    qID: str,
    unit: CallsOut,
    caller: Caller,
    state: State,
    path: Path = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    page: str | None = None,
) -> Any:
    """List one page of what is under ``path`` (schemas, tables, columns, folders, files)."""
    token = _token(page, path) if page else None
    target = await _saved(unit, qID, caller, state)
    result = await audited_call(
        unit,
        events.CONNECTION_BROWSED,
        ProbeService(state, caller).browse(target, path, limit, token),
        object_id=qID,
        data={"path": path},
    )
    nxt = Cursor(_BROWSE.token, result.next_token, path, "next") if result.next_token else None
    return BrowsePage(
        data=[_item(e) for e in result.items],
        links=page_links(request, nxt, None, links=state.settings),
    )


@router.get("/{qID}/preview", response_model=PreviewResponse, response_model_exclude_none=True)
async def preview(
    *,
    qID: str,
    unit: CallsOut,
    caller: Caller,
    state: State,
    path: Path = "",
    limit: Annotated[int, Query(ge=1, le=1000, description="Most rows")] = 50,
) -> Any:
    """The first rows of a table or a CSV, TSV, JSON, NDJSON, Parquet or Excel file (or its
    ``.gz``), with column types; the first bytes of another file."""
    target = await _saved(unit, qID, caller, state)
    p = await audited_call(
        unit,
        events.CONNECTION_PREVIEWED,
        ProbeService(state, caller).preview(target, path, limit),
        object_id=qID,
        data={"path": path},
    )
    return PreviewResponse(
        path=p.path,
        kind=p.kind,
        columns=p.columns if p.kind == "rows" else None,
        types=p.types if p.kind == "rows" and p.types else None,
        rows=p.rows if p.kind == "rows" else None,
        content=p.content,
        encoding=p.encoding,
        bytesRead=p.bytes_read,
        truncated=p.truncated,
        contentType=p.content_type,
    )


def _token(page: str, path: str) -> str:
    cursor = Cursor.decode(page, _BROWSE, datetime_field=False)
    if cursor.id != path:
        raise BadRequest(
            "the page cursor was made for another path",
            code=Code.INVALID_CURSOR,
            meta={"field": "page"},
        )
    return str(cursor.value)


def _item(entry: Entry) -> BrowseItem:
    return BrowseItem(
        name=entry.name,
        path=entry.path,
        type=entry.type,
        size=entry.size,
        modified=entry.modified,
        etag=entry.etag,
        extra=entry.extra or None,
    )
