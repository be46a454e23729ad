"""Turns an ``Authorization`` header into a :class:`Principal`, or a 401."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dcaas.api_key import service as api_keys
from dcaas.auth.principal import ENGINE, Principal
from dcaas.errors import Code, Unauthorized
from dcaas.tenant.service import ensure_jwt_user, ensure_tenant

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


_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments (header, claims, signature), as every JWS compact token."""
    return _JWT.match(token) is not None


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
    if not looks_like_jwt(token):
        raise Unauthorized(
            f"the bearer token is neither a dcaas API key (those start with "
            f"'{api_keys.PREFIX}') nor a JWT; check that the whole key was copied",
            code=Code.TOKEN_INVALID,
        )
    claims = verifier.verify(token)
    # A trusted issuer vouches for the tenant and user: provision them on first sight. The
    # subject lives in the issuer's namespace, apart from API-key users of the same name, and
    # the token's roles make this request's rights: they are never stored on the user.
    async with store.write() as session:
        tenant = await ensure_tenant(session, tenant_id=claims.tenant, name=claims.tenant)
        user = await ensure_jwt_user(session, tenant, issuer=claims.issuer, subject=claims.subject)
    principal = Principal(
        tenant_id=tenant.id,
        user_id=user.id,
        subject=user.subject,
        is_admin=claims.is_admin,
        via="jwt",
        grants=frozenset({ENGINE}) if claims.engine else frozenset(),
    )
    if cache is not None:
        cache.put(token, principal, key_id=None, not_after=claims.expires)
    return principal
