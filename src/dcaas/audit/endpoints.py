"""/api/v1/audits: the tenant's audit trail in Qlik's shape (``@qlik/api``'s ``audits``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from dcaas.audit import types
from dcaas.audit.schemas import (
    Actor,
    AuditItem,
    AuditList,
    AuditSettings,
    Extensions,
    Href,
    ItemLinks,
    ListLinks,
    Names,
    SettingsData,
)
from dcaas.audit.service import AuditQuery, AuditService
from dcaas.deps import NO_UNIT_OF_WORK, Caller, Read, State
from dcaas.errors import BadRequest, Code
from dcaas.kit.hosts import base_url
from dcaas.kit.paging import Cursor, Sort
from dcaas.kit.time import iso
from dcaas.unit_of_work import UnitOfWorkRoute

if TYPE_CHECKING:
    from dcaas.audit.models import AuditEvent
    from dcaas.config import Settings

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/audits", tags=["audits"])
_SORTS = ("eventTime", "eventType", "source")
_DAY = 86_400


def _time(raw: str, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"{raw!r} is not an ISO 8601 date-time", code=Code.INVALID_QUERY, meta={"field": field}
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _interval(raw: str | None) -> tuple[datetime | None, datetime | None]:
    """Qlik's ``eventTime``: ``start/end`` (either may be empty), or one instant."""
    if not raw:
        return None, None
    start, sep, end = raw.partition("/")
    if not sep:
        end = start
    return _time(start.strip(), "eventTime"), _time(end.strip(), "eventTime")


def _cursor(nxt: str | None, prev: str | None, sort: Sort) -> Cursor | None:
    if nxt and prev:
        raise BadRequest(
            "give either next or prev, not both", code=Code.INVALID_QUERY, meta={"field": "next"}
        )
    token = nxt or prev
    if not token:
        return None
    return Cursor.decode(token, sort, datetime_field=sort.field == "eventTime")


def _links(request: Request, settings: Settings, page: Any) -> ListLinks:
    url = base_url(request, settings) + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in {"next", "prev"}]

    def href(extra: list[tuple[str, str]]) -> Href:
        query = urlencode(kept + extra)
        return Href(href=f"{url}?{query}" if query else url)

    return ListLinks(
        self=href([(k, v) for k, v in request.query_params.multi_items() if k in {"next", "prev"}]),
        next=href([("next", page.next.encode())]) if page.next else None,
        prev=href([("prev", page.prev.encode())]) if page.prev else None,
    )


def item(event: AuditEvent, url: str) -> AuditItem:
    changed = event.data.get("changed")
    return AuditItem(
        id=event.id,
        eventId=event.id,
        eventType=event.type,
        eventTime=iso(event.time),
        source=event.source,
        tenantId=event.tenant_id,
        userId=event.actor_id,
        data=event.data,
        extensions=Extensions(
            actor=Actor(sub=event.actor_key_id) if event.actor_key_id else None,
            spaceId=event.data.get("spaceId"),
            topLevelResourceId=event.object_id,
            updates={"changed": changed} if changed else None,
        ),
        links=ItemLinks(self=Href(href=f"{url}/{event.id}")),
        objectType=event.object_type,
        objectId=event.object_id,
        outcome=event.outcome,
        apiKeyId=event.actor_key_id,
        clientIp=event.client_ip,
        userAgent=event.user_agent,
        requestId=event.request_id,
    )


@router.get("", response_model=AuditList, response_model_exclude_none=True)
async def list_audits(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    eventTime: Annotated[str | None, Query(max_length=100)] = None,
    eventType: Annotated[str | None, Query(max_length=128)] = None,
    id: Annotated[str | None, Query(max_length=4096)] = None,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    next: Annotated[str | None, Query(max_length=1024)] = None,  # noqa: A002
    prev: Annotated[str | None, Query(max_length=1024)] = None,
    sort: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=128)] = None,
    userId: Annotated[str | None, Query(max_length=128)] = None,
) -> Any:
    """The tenant's events, newest first (tenant admins; anyone else sees none)."""
    order = Sort.parse(sort, _SORTS, "-eventTime")
    time_from, time_to = _interval(eventTime)
    query = AuditQuery(
        sort=order,
        limit=limit,
        cursor=_cursor(next, prev, order),
        ids=tuple(i.strip() for i in (id or "").split(",") if i.strip()),
        event_type=eventType,
        source=source,
        user_id=userId,
        time_from=time_from,
        time_to=time_to,
    )
    page = await AuditService(db, caller).list(query)
    url = base_url(request, state.settings) + "/api/v1/audits"
    return AuditList(
        data=[item(e, url) for e in page.items], links=_links(request, state.settings, page)
    )


def _names(request: Request, names: list[str]) -> Names:
    return Names(data=names, links=ListLinks(self=Href(href=str(request.url))))


@router.get(
    "/types", response_model=Names, response_model_exclude_none=True, dependencies=[NO_UNIT_OF_WORK]
)
async def audit_types(request: Request, caller: Caller) -> Any:  # noqa: ARG001 - authenticated
    """Every event type dcaas records."""
    return _names(request, [t.name for t in types.CATALOGUE])


@router.get(
    "/sources",
    response_model=Names,
    response_model_exclude_none=True,
    dependencies=[NO_UNIT_OF_WORK],
)
async def audit_sources(request: Request, caller: Caller) -> Any:  # noqa: ARG001 - authenticated
    """Every source of events (one per kind of object)."""
    return _names(request, list(types.SOURCES))


@router.get("/settings", response_model=AuditSettings, dependencies=[NO_UNIT_OF_WORK])
async def audit_settings(caller: Caller, state: State) -> Any:  # noqa: ARG001 - authenticated
    """How long events are kept; dcaas has no separate archive."""
    ttl = int(state.settings.audit_retention_days * _DAY)
    return AuditSettings(data=SettingsData(ArchiveEnabled=False, EventTTL=ttl))


@router.get("/{id}", response_model=AuditItem, response_model_exclude_none=True)
async def get_audit(request: Request, id: str, db: Read, caller: Caller, state: State) -> Any:  # noqa: A002 - Qlik's name
    """One event of the tenant (tenant admins)."""
    event = await AuditService(db, caller).get(id)
    return item(event, base_url(request, state.settings) + "/api/v1/audits")
