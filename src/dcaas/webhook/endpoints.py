"""/api/v1/webhooks: the ``@qlik/api`` ``webhooks`` module's routes, for tenant admins.

Create, PUT and PATCH check the URL's host against the outbound policy (a DNS lookup) with
no transaction open, then write briefly (``CallsOut``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from dcaas.deps import NO_UNIT_OF_WORK, Body, Caller, CallsOut, Read, State, Write, parse
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import PATCH_BODY, json_body_doc
from dcaas.kit.jsonpatch import PatchOp
from dcaas.kit.paging import Cursor, Page, Sort
from dcaas.unit_of_work import UnitOfWorkRoute
from dcaas.webhook.catalog import EVENT_TYPES
from dcaas.webhook.presenter import delivery_out, links, webhook_out
from dcaas.webhook.repository import DELIVERY_KEYSET, WEBHOOK_KEYSET
from dcaas.webhook.schemas import (
    DeliveryList,
    DeliveryOut,
    EventTypeOut,
    EventTypes,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from dcaas.webhook.service import (
    WebhookService,
    check_destination,
    draft_of,
    patched,
    require_admin,
)

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/webhooks", tags=["webhooks"])
Limit = Annotated[int, Query(ge=1, le=100)]


def _cursor(sort: Sort, nxt: str | None, prev: str | None, *, dates: bool) -> Cursor | None:
    token = nxt or prev
    return None if token is None else Cursor.decode(token, sort, datetime_field=dates)


@router.get("", response_model=WebhookList, response_model_exclude_none=True)
async def list_webhooks(
    request: Request,
    db: Read,
    caller: Caller,
    state: State,
    limit: Limit = 20,
    next: str | None = None,  # noqa: A002 - Qlik's parameter name
    prev: str | None = None,
    sort: str | None = None,
    name: str | None = None,
    url: str | None = None,
    enabled: bool | None = None,
    eventTypes: str | None = None,
    origins: str | None = None,
    level: str | None = None,
    createdByUserId: str | None = None,
    updatedByUserId: str | None = None,
) -> Any:
    """The tenant's webhooks (tenant admins only)."""
    order = Sort.parse(sort, WEBHOOK_KEYSET.sort_fields, "-createdAt")
    cursor = _cursor(order, next, prev, dates=order.field.endswith("At"))
    filters = {k: v for k, v in locals().items() if k in _FILTERS}
    service = WebhookService(db, caller, state.envelope)
    rows = await service.page(filters, sort=order, cursor=cursor, limit=limit)
    if eventTypes:
        rows = [r for r in rows if eventTypes in r.event_types]
    page = WEBHOOK_KEYSET.assemble(rows, sort=order, cursor=cursor, limit=limit, count=0)
    return WebhookList(
        data=[webhook_out(h) for h in page.items], links=links(request, state.settings, page)
    )


_FILTERS = {"name", "url", "enabled", "origins", "level", "createdByUserId", "updatedByUserId"}


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=WebhookOut,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(WebhookIn),
)
async def create_webhook(data: Body, unit: CallsOut, caller: Caller, state: State) -> Any:
    """Subscribe a URL to event types; ``secret`` and ``encryptedHeaders`` are sealed."""
    require_admin(caller)
    draft = draft_of(parse(WebhookIn, data))
    await check_destination(state.settings.outbound, draft.url)
    hook = await WebhookService(unit.writing, caller, state.envelope).create(draft)
    return webhook_out(hook)


@router.get("/event-types", response_model=EventTypes, dependencies=[NO_UNIT_OF_WORK])
async def event_types(caller: Caller) -> Any:
    """The event types a webhook can subscribe to."""
    del caller
    return EventTypes(
        data=[
            EventTypeOut(name=n, title=t, description=t, category=c, levels=["tenant"])
            for n, (t, c) in EVENT_TYPES.items()
        ]
    )


@router.get("/{id}", response_model=WebhookOut, response_model_exclude_none=True)
async def get_webhook(id: str, db: Read, caller: Caller, state: State) -> Any:  # noqa: A002
    """One webhook (its secret and encrypted headers by name only)."""
    return webhook_out(await WebhookService(db, caller, state.envelope).get(id))


@router.put(
    "/{id}",
    response_model=WebhookOut,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(WebhookIn),
)
async def put_webhook(id: str, data: Body, unit: CallsOut, caller: Caller, state: State) -> Any:  # noqa: A002
    """Replace a webhook: what the body omits is cleared."""
    require_admin(caller)
    body = parse(WebhookIn, data)
    async with unit.read() as db:
        current = await WebhookService(db, caller, state.envelope).get(id)
    draft = draft_of(body, current)
    if draft.url != current.url:
        await check_destination(state.settings.outbound, draft.url)
    hook = await WebhookService(unit.writing, caller, state.envelope).update(id, draft)
    return webhook_out(hook)


@router.patch(
    "/{id}",
    status_code=204,
    response_class=Response,
    openapi_extra=PATCH_BODY,
)
async def patch_webhook(
    id: str,  # noqa: A002 - Qlik's path parameter
    data: Body,
    unit: CallsOut,
    caller: Caller,
    state: State,
) -> Response:
    """Change some of a webhook's properties (JSON Patch on Qlik's paths)."""
    require_admin(caller)
    ops = PatchOp.parse_list(data)
    async with unit.read() as db:
        current = await WebhookService(db, caller, state.envelope).get(id)
    draft = patched(current, ops)
    if draft.url != current.url:
        await check_destination(state.settings.outbound, draft.url)
    await WebhookService(unit.writing, caller, state.envelope).update(id, draft)
    return Response(status_code=204)


@router.delete("/{id}", status_code=204, response_class=Response)
async def delete_webhook(id: str, db: Write, caller: Caller, state: State) -> Response:  # noqa: A002
    """Delete a webhook and its delivery history."""
    await WebhookService(db, caller, state.envelope).delete(id)
    return Response(status_code=204)


@router.get("/{id}/deliveries", response_model=DeliveryList, response_model_exclude_none=True)
async def list_deliveries(
    request: Request,
    id: str,  # noqa: A002
    db: Read,
    caller: Caller,
    state: State,
    limit: Limit = 20,
    next: str | None = None,  # noqa: A002
    prev: str | None = None,
    sort: str | None = None,
    eventType: str | None = None,
    status: Literal["success", "fail", "pending"] | None = None,
) -> Any:
    """A webhook's deliveries, newest first by default."""
    order = Sort.parse(sort, DELIVERY_KEYSET.sort_fields, "-triggeredAt")
    cursor = _cursor(order, next, prev, dates=order.field == "triggeredAt")
    service = WebhookService(db, caller, state.envelope)
    rows = await service.delivery_page(
        id, {"eventType": eventType, "status": status}, sort=order, cursor=cursor, limit=limit
    )
    page: Page[Any] = DELIVERY_KEYSET.assemble(
        rows, sort=order, cursor=cursor, limit=limit, count=0
    )
    return DeliveryList(
        data=[delivery_out(d) for d in page.items], links=links(request, state.settings, page)
    )


@router.get(
    "/{id}/deliveries/{deliveryId}", response_model=DeliveryOut, response_model_exclude_none=True
)
async def get_delivery(id: str, deliveryId: str, db: Read, caller: Caller, state: State) -> Any:  # noqa: A002
    """One delivery, with every attempt made."""
    found, attempts = await WebhookService(db, caller, state.envelope).delivery(id, deliveryId)
    return delivery_out(found, attempts)


@router.post(
    "/{id}/deliveries/{deliveryId}/actions/resend",
    status_code=201,
    response_model=DeliveryOut,
    response_model_exclude_none=True,
)
async def resend_delivery(id: str, deliveryId: str, db: Write, caller: Caller, state: State) -> Any:  # noqa: A002
    """Send the delivery's event again (same event id and body) as a new delivery."""
    return delivery_out(await WebhookService(db, caller, state.envelope).resend(id, deliveryId))
