"""/api/v1/data-credentials: Qlik's endpoints plus a paged, filterable list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from dcaas.credential.models import Credential
from dcaas.credential.repository import SORT_FIELDS
from dcaas.credential.schemas import (
    ActionFilterOrphanRequest,
    ActionFilterOrphanResponse,
    CredentialCreate,
    CredentialOut,
    Credentials,
    OrphanCredentialResItem,
)
from dcaas.credential.service import CredentialService, CredentialView
from dcaas.deps import Body, Caller, Read, State, Write, parse
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import PATCH_BODY, base_url, json_body_doc, page_links
from dcaas.kit.paging import Cursor, Sort
from dcaas.kit.schemas import Href, Link, Meta
from dcaas.kit.time import iso
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(
    route_class=UnitOfWorkRoute, prefix="/api/v1/data-credentials", tags=["data-credentials"]
)


def _out(view: CredentialView, base: str) -> CredentialOut:
    c = view.credential
    return CredentialOut(
        qID=c.id,
        qName=c.name,
        qType=c.q_type,
        qConnCount=view.connection_count,
        datasourceID=c.data_source_id,
        qSeparated=int(c.separated),
        user=c.owner_id,
        created=iso(c.created),
        createdAt=iso(c.created),
        updated=iso(c.updated),
        links=Link(self=Href(href=f"{base}/api/v1/data-credentials/{c.id}")),
    )


def _orphan(c: Credential) -> OrphanCredentialResItem:
    return OrphanCredentialResItem(
        qID=c.id,
        qName=c.name,
        qType=c.q_type,
        datasourceID=c.data_source_id,
        user=c.owner_id,
        tenant=c.tenant_id,
        created=iso(c.created),
        createdAt=iso(c.created),
        updated=iso(c.updated),
    )


@router.get("", response_model=Credentials, response_model_exclude_none=True)
async def list_credentials(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    page: str | None = None,
    sort: str | None = None,
    filter: Annotated[str | None, Query(max_length=2000)] = None,  # noqa: A002
) -> Any:
    """The caller's credentials (all of the tenant's for admins), paged and filterable."""
    order = Sort.parse(sort, SORT_FIELDS, "+created")
    dt = order.field in ("created", "updated")
    cursor = Cursor.decode(page, order, datetime_field=dt) if page else None
    result = await CredentialService(db, caller, state.envelope).list(
        filter_text=filter, sort=order, cursor=cursor, limit=limit
    )
    base = base_url(request, state.settings)
    return Credentials(
        data=[_out(v, base) for v in result.items],
        meta=Meta(count=result.count),
        links=page_links(request, result.next, result.prev, links=state.settings),
    )


@router.post(
    "/actions/filter-orphan",
    dependencies=[IDEMPOTENT],
    response_model=ActionFilterOrphanResponse,
    openapi_extra=json_body_doc(ActionFilterOrphanRequest),
)
async def filter_orphan(data: Body, db: Write, caller: Caller, state: State) -> Any:
    """Credentials no connection uses any more."""
    body = parse(ActionFilterOrphanRequest, data)
    found = await CredentialService(db, caller, state.envelope).orphans(
        q_type=body.qType, data_source_id=body.datasourceID, separated=body.qSeparated
    )
    return ActionFilterOrphanResponse(data=[_orphan(c) for c in found], count=len(found))


@router.get("/{qID}", response_model=CredentialOut)
async def get_credential(
    request: Request,
    qID: str,
    db: Read,
    caller: Caller,
    state: State,
    byCredentialName: bool = False,
) -> Any:
    """One credential's metadata; its secret values are never returned."""
    view = await CredentialService(db, caller, state.envelope).get(qID, by_name=byCredentialName)
    return _out(view, base_url(request, state.settings))


@router.patch(
    "/{qID}",
    status_code=204,
    response_class=Response,
    openapi_extra=PATCH_BODY,
)
async def patch_credential(
    qID: str, data: Body, db: Write, caller: Caller, state: State, byCredentialName: bool = False
) -> Response:
    """Change a credential's name, user name or password with JSON Patch."""
    await CredentialService(db, caller, state.envelope).patch(
        qID, by_name=byCredentialName, raw_ops=data
    )
    return Response(status_code=204)


@router.put(
    "/{qID}",
    status_code=204,
    response_class=Response,
    openapi_extra=json_body_doc(CredentialCreate),
)
async def put_credential(
    qID: str, data: Body, db: Write, caller: Caller, state: State, byCredentialName: bool = False
) -> Response:
    """Replace a credential's name, user name and password."""
    body = parse(CredentialCreate, data)
    await CredentialService(db, caller, state.envelope).put(
        qID, by_name=byCredentialName, body=body
    )
    return Response(status_code=204)


@router.delete("/{qID}", status_code=204, response_class=Response)
async def delete_credential(
    qID: str, db: Write, caller: Caller, state: State, byCredentialName: bool = False
) -> Response:
    """Delete a credential that no connection uses."""
    await CredentialService(db, caller, state.envelope).delete(qID, by_name=byCredentialName)
    return Response(status_code=204)
