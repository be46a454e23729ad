"""/api/v1/data-connections, its actions, and the deprecated /dcaas endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from dcaas_client._call import (
    Call,
    create_headers,
    etagged,
    model,
    nothing,
    query,
    seg,
    write_headers,
)
from dcaas_client.models.actions import Entries, Preview, TestResult
from dcaas_client.models.connections import (
    AuthUrl,
    BulkItemRef,
    BulkResult,
    BulkUpdateItem,
    ConnectionCreate,
    ConnectionCreated,
    ConnectionGet,
    Connections,
    ConnectionUpdate,
    DuplicateRequest,
    LegacyConnection,
    LegacyConnectionCreated,
    PatchOp,
    PropertiesConnectionCreate,
)
from dcaas_client.models.datasources import ApiSpec

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

BASE = "/api/v1/data-connections"
LEGACY = "/api/v1/dcaas/actions/data-connections"
AnyCreate = ConnectionCreate | PropertiesConnectionCreate


class ConnectionQuery(TypedDict, total=False):
    """Filters of the connection list (Qlik's query parameters, in Python spelling)."""

    limit: int
    sort: str
    filter: str
    space_id: str
    personal: bool
    owned_by_me: bool
    user_id: str
    include_disabled: bool
    case_insensitive: bool
    locale: str


def list_(q: ConnectionQuery) -> Call[Connections]:
    params = query(
        limit=q.get("limit"),
        sort=q.get("sort"),
        filter=q.get("filter"),
        spaceId=q.get("space_id"),
        personal=q.get("personal"),
        ownedByMe=q.get("owned_by_me"),
        userId=q.get("user_id"),
        includeDisabled=q.get("include_disabled"),
        caseinsensitive=q.get("case_insensitive"),
        locale=q.get("locale"),
    )
    return Call("GET", BASE, model(Connections), params=params)


def get(
    qid: str, *, parse_connection: bool, by_name: bool, space_id: str | None
) -> Call[ConnectionGet]:
    params = query(
        parseConnection=parse_connection or None,
        spaceId=space_id,
        type="connectionname" if by_name else None,
    )
    return Call("GET", f"{BASE}/{seg(qid)}", etagged(ConnectionGet), params=params)


def _created(response: httpx.Response) -> ConnectionCreated | AuthUrl:
    body = response.json()
    if isinstance(body, dict) and "authUrl" in body and "qID" not in body:
        return AuthUrl.model_validate(body)
    return ConnectionCreated.model_validate(body)


def create(body: AnyCreate, idempotency_key: str | None) -> Call[ConnectionCreated | AuthUrl]:
    return Call("POST", BASE, _created, json=body.body(), headers=create_headers(idempotency_key))


def create_auth_url(body: PropertiesConnectionCreate, idempotency_key: str | None) -> Call[AuthUrl]:
    """A create with ``authUrlOnly``: an OAuth source answers 201 ``{authUrl}``, nothing made."""
    return Call(
        "POST",
        BASE,
        _auth_url,
        json=body.body() | {"authUrlOnly": True},
        headers=create_headers(idempotency_key),
    )


def _auth_url(response: httpx.Response) -> AuthUrl:
    body = response.json()
    if not (isinstance(body, dict) and "authUrl" in body):
        raise ValueError("expected an authUrl: is the data source an OAuth one?")
    return AuthUrl.model_validate(body)


def authorize(qid: str, by_name: bool) -> Call[AuthUrl]:
    return Call(
        "POST",
        f"{BASE}/{seg(qid)}/actions/authorize",
        _auth_url,
        params=query(type="connectionname" if by_name else None),
    )


def reauthenticate(qid: str, code: str, by_name: bool) -> Call[None]:
    """PATCH with only a ``qlik-auth-code`` header (and an empty patch): new tokens, same id."""
    return Call(
        "PATCH",
        f"{BASE}/{seg(qid)}",
        nothing,
        json=[],
        params=query(type="connectionname" if by_name else None),
        headers={"qlik-auth-code": code},
    )


def put(qid: str, body: ConnectionUpdate, if_match: str | None) -> Call[None]:
    return Call(
        "PUT", f"{BASE}/{seg(qid)}", nothing, json=body.body(), headers=write_headers(if_match)
    )


def patch(
    qid: str, ops: Sequence[PatchOp], if_match: str | None, auth_code: str | None
) -> Call[None]:
    headers = write_headers(if_match) | ({"qlik-auth-code": auth_code} if auth_code else {})
    return Call(
        "PATCH", f"{BASE}/{seg(qid)}", nothing, json=[o.body() for o in ops], headers=headers
    )


def delete(qid: str, if_match: str | None) -> Call[None]:
    return Call("DELETE", f"{BASE}/{seg(qid)}", nothing, headers=write_headers(if_match))


def bulk_delete(items: Sequence[BulkItemRef | str]) -> Call[BulkResult]:
    refs = [BulkItemRef(id=i) if isinstance(i, str) else i for i in items]
    return Call(
        "POST",
        f"{BASE}/actions/delete",
        model(BulkResult),
        json={"connections": [r.body() for r in refs]},
    )


def bulk_update(items: Sequence[BulkUpdateItem]) -> Call[BulkResult]:
    return Call(
        "POST",
        f"{BASE}/actions/update",
        model(BulkResult),
        json={"connections": [i.body() for i in items]},
    )


def duplicate(body: DuplicateRequest, idempotency_key: str | None) -> Call[ConnectionCreated]:
    return Call(
        "POST",
        f"{BASE}/actions/duplicate",
        model(ConnectionCreated),
        json=body.body(),
        headers=create_headers(idempotency_key),
    )


def test_new(body: AnyCreate) -> Call[TestResult]:
    return Call("POST", f"{BASE}/actions/test", model(TestResult), json=body.body())


def test(qid: str, ops: Sequence[PatchOp] | None) -> Call[TestResult]:
    json: Any = [o.body() for o in ops] if ops else None
    return Call("POST", f"{BASE}/{seg(qid)}/actions/test", model(TestResult), json=json)


def browse(qid: str, path: str, limit: int | None) -> Call[Entries]:
    return Call(
        "GET", f"{BASE}/{seg(qid)}/browse", model(Entries), params=query(path=path, limit=limit)
    )


def preview(qid: str, path: str, limit: int | None) -> Call[Preview]:
    return Call(
        "GET", f"{BASE}/{seg(qid)}/preview", model(Preview), params=query(path=path, limit=limit)
    )


def legacy_create(
    body: PropertiesConnectionCreate, idempotency_key: str | None
) -> Call[LegacyConnectionCreated | AuthUrl]:
    def parse(response: httpx.Response) -> LegacyConnectionCreated | AuthUrl:
        data = response.json()
        if isinstance(data, dict) and "authUrl" in data and "connectionId" not in data:
            return AuthUrl.model_validate(data)
        return LegacyConnectionCreated.model_validate(data)

    return Call(
        "POST", LEGACY, parse, json=body.legacy_body(), headers=create_headers(idempotency_key)
    )


def legacy_get(connection_id: str) -> Call[LegacyConnection]:
    return Call("GET", f"{LEGACY}/{seg(connection_id)}", model(LegacyConnection))


def legacy_api_spec(data_source_id: str) -> Call[ApiSpec]:
    return Call(
        "GET", f"{LEGACY}/api-specs", model(ApiSpec), params=query(dataSourceId=data_source_id)
    )
