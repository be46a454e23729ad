"""/api/v1/users: the people of the caller's tenant, in Qlik's shapes (`@qlik/api` `users`:
getUsers, filterUsers, getUser, getMyUser, countUsers). Read-only: dcaas's users appear on
first use (a JWT, `dcaas apikey create`), never through this API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from dcaas.deps import Body, Caller, Read, State, Write, parse
from dcaas.errors import BadRequest, Code
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.hosts import base_url
from dcaas.kit.http import json_body_doc
from dcaas.kit.paging import Cursor, Sort
from dcaas.kit.schemas import Href, Link, TopLevelLinks
from dcaas.kit.time import iso
from dcaas.tenant.repository import USER_SORT_FIELDS
from dcaas.tenant.schemas import AssignedRole, UserCount, UserFilter, UserOut, Users
from dcaas.tenant.service import UserDirectory
from dcaas.unit_of_work import UnitOfWorkRoute

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.deps import AppState
    from dcaas.tenant.models import User

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/users", tags=["users"])

TENANT_ADMIN = AssignedRole(id="TenantAdmin", level="admin", name="TenantAdmin")
CURSORS = ("next", "prev")


def _user(u: User, base: str) -> UserOut:
    return UserOut(
        id=u.id,
        name=u.name or u.subject,
        email=u.email,
        subject=u.subject,
        tenantId=u.tenant_id,
        createdAt=iso(u.created),
        lastUpdatedAt=iso(u.created),
        assignedRoles=[TENANT_ADMIN] if u.is_admin else [],
        links=Link(self=Href(href=f"{base}/api/v1/users/{u.id}")),
    )


def _links(request: Request, base: str, nxt: Cursor | None, prev: Cursor | None) -> TopLevelLinks:
    """Qlik's users links: the cursor goes in ``next`` or ``prev``, other parameters stay."""
    url = base + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in CURSORS]

    def href(params: list[tuple[str, str]]) -> str:
        return f"{url}?{urlencode(params)}" if params else url

    current = [(k, v) for k, v in request.query_params.multi_items() if k in CURSORS]
    return TopLevelLinks(
        self=Href(href=href(kept + current)),
        next=Href(href=href([*kept, ("next", nxt.encode())])) if nxt else None,
        prev=Href(href=href([*kept, ("prev", prev.encode())])) if prev else None,
    )


@router.get("", response_model=Users, response_model_exclude_none=True)
async def list_users(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next: str | None = None,  # noqa: A002 - Qlik's parameter name
    prev: str | None = None,
    sort: str | None = None,
    filter: Annotated[str | None, Query(max_length=2000)] = None,  # noqa: A002
    totalResults: bool = False,
    fields: str | None = None,
) -> Any:
    """The users of the caller's tenant: SCIM filter (`name co "bo" or email eq "..."`,
    case-insensitive), sort, and cursor pages (`links.next`). `fields` is accepted and
    ignored: every field is returned."""
    del fields
    query = UserQuery(limit, next, prev, sort, filter, total=totalResults)
    return await _page(request, db, caller, state, query)


@router.post(
    "/actions/filter",
    dependencies=[IDEMPOTENT],
    response_model=Users,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(UserFilter),
)
async def filter_users(
    request: Request,
    data: Body,
    db: Write,
    caller: Caller,
    state: State,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next: str | None = None,  # noqa: A002 - Qlik's parameter name
    prev: str | None = None,
    sort: str | None = None,
    fields: str | None = None,
) -> Any:
    """Qlik's filterUsers: the same list with the filter in the body (`{"filter": ...}`)."""
    del fields
    body = parse(UserFilter, data)
    query = UserQuery(limit, next, prev, sort, body.filter, total=False)
    return await _page(request, db, caller, state, query)


@dataclass(frozen=True)
class UserQuery:
    """The list's query, shared by GET and the filter action."""

    limit: int
    next: str | None
    prev: str | None
    sort: str | None
    filter: str | None
    total: bool


async def _page(
    request: Request, db: AsyncSession, caller: Principal, state: AppState, q: UserQuery
) -> Users:
    if q.next and q.prev:
        raise BadRequest(
            "give either next or prev, not both", code=Code.INVALID_QUERY, meta={"field": "prev"}
        )
    order = Sort.parse(q.sort, USER_SORT_FIELDS, "+name")
    token = q.next or q.prev
    datetime_field = order.field == "createdAt"
    cursor = Cursor.decode(token, order, datetime_field=datetime_field) if token else None
    page = await UserDirectory(db, caller).list(
        filter_text=q.filter, sort=order, cursor=cursor, limit=q.limit, total=q.total
    )
    base = base_url(request, state.settings)
    return Users(
        data=[_user(u, base) for u in page.items],
        links=_links(request, base, page.next, page.prev),
        totalResults=page.count if q.total else None,
    )


@router.get("/me", response_model=UserOut, response_model_exclude_none=True)
async def get_me(request: Request, db: Read, caller: Caller, state: State) -> Any:
    """The caller."""
    return _user(await UserDirectory(db, caller).me(), base_url(request, state.settings))


@router.get("/actions/count", response_model=UserCount)
async def count_users(db: Read, caller: Caller) -> Any:
    """How many users the caller's tenant has."""
    return UserCount(total=await UserDirectory(db, caller).count())


@router.get("/{userId}", response_model=UserOut, response_model_exclude_none=True)
async def get_user(userId: str, request: Request, db: Read, caller: Caller, state: State) -> Any:
    """One user of the caller's tenant (404 for any other id)."""
    return _user(await UserDirectory(db, caller).get(userId), base_url(request, state.settings))
