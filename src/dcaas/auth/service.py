"""Turns an ``Authorization`` header into a :class:`Principal`, or a 401."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.api_key import service as api_keys
from dcaas.auth.principal import Principal
from dcaas.errors import Code, Unauthorized
from dcaas.tenant.service import ensure_tenant, ensure_user

if TYPE_CHECKING:
    from dcaas.auth.cache import PrincipalCache
    from dcaas.auth.tokens import JwtVerifier
    from dcaas.kit.db import Store


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthorized("an Authorization: Bearer <token> header is required")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>'", code=Code.TOKEN_INVALID
        )
    return token


async def authenticate(
    store: Store,
    verifier: JwtVerifier,
    header: str | None,
    cache: PrincipalCache | None = None,
) -> Principal:
    """The caller: from the cache, else an API key (a short read) or a JWT (a short write only
    when its tenant or user is new). Never inside the request's own unit of work."""
    token = bearer_token(header)
    if cache is not None and (known := cache.get(token)) is not None:
        return known
    if api_keys.looks_like_api_key(token):
        async with store.read() as session:
            principal, key = await api_keys.authenticate(session, token)
        if cache is not None:
            expires = key.expires_at.timestamp() if key.expires_at else float("inf")
            cache.put(token, principal, key_id=key.id, not_after=expires)
        return principal
    claims = verifier.verify(token)
    # A trusted issuer vouches for the tenant and user: provision them on first sight.
    async with store.write() as session:
        tenant = await ensure_tenant(session, tenant_id=claims.tenant, name=claims.tenant)
        user = await ensure_user(session, tenant, subject=claims.subject, is_admin=claims.is_admin)
    principal = Principal(
        tenant_id=tenant.id,
        user_id=user.id,
        subject=user.subject,
        is_admin=user.is_admin,
        via="jwt",
    )
    if cache is not None:
        cache.put(token, principal, key_id=None, not_after=claims.expires)
    return principal
