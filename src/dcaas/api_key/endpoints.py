"""/api/v1/api-keys: a user's own keys (all of the tenant's, for admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from dcaas.api_key.models import ApiKey
from dcaas.api_key.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeys
from dcaas.api_key.service import ApiKeyService
from dcaas.deps import Body, Caller, Read, State, Write, parse
from dcaas.errors import ValidationFailed
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import json_body_doc
from dcaas.kit.time import iso, utcnow
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/api-keys", tags=["api-keys"])


def _fields(k: ApiKey) -> dict[str, Any]:
    now = utcnow()
    status = (
        "revoked"
        if k.revoked_at
        else "expired"
        if k.expires_at and k.expires_at <= now
        else "active"
    )
    return {
        "id": k.id,
        "description": k.description,
        "sub": k.user_id,
        "tenantId": k.tenant_id,
        "status": status,
        "created": iso(k.created),
        "expiry": iso(k.expires_at) if k.expires_at else None,
        "scopes": sorted(k.grants),
    }


@router.get("", response_model=ApiKeys, response_model_exclude_none=True)
async def list_keys(
    db: Read, caller: Caller, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> Any:
    """API keys (never their secret part)."""
    return ApiKeys(
        data=[ApiKeyOut(**_fields(k)) for k in await ApiKeyService(db, caller).list(limit)]
    )


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=ApiKeyCreated,
    response_model_exclude_none=True,
    openapi_extra=json_body_doc(ApiKeyCreate),
)
async def create_key(data: Body, db: Write, caller: Caller) -> Any:
    """A new API key for the caller; the token is in this answer only."""
    body = parse(ApiKeyCreate, data)
    if body.expiry is not None and (body.expiry.tzinfo is None or body.expiry <= utcnow()):
        raise ValidationFailed(
            "expiry must be a future RFC 3339 date-time with an offset", field="expiry"
        )
    issued = await ApiKeyService(db, caller).create(
        description=body.description, expires_at=body.expiry, scopes=body.scopes
    )
    return ApiKeyCreated(**_fields(issued.key), token=issued.token)


@router.delete("/{keyId}", status_code=204, response_class=Response)
async def revoke_key(keyId: str, db: Write, caller: Caller, state: State) -> Response:
    """Revoke a key: at once on this server, within DCAAS_AUTH_CACHE_SECONDS on other replicas."""
    await ApiKeyService(db, caller).revoke(keyId, state.auth_cache)
    return Response(status_code=204)
