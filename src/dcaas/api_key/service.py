"""API keys: ``dcaas_<lookup>_<secret>``; the lookup finds the row, a SHA-256 of the secret
is all that is stored, and comparison is constant-time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dcaas.api_key.models import ApiKey
from dcaas.api_key.repository import ApiKeyRepository, by_lookup
from dcaas.auth.principal import Principal
from dcaas.errors import Code, Forbidden, NotFound, Unauthorized
from dcaas.kit.time import utcnow
from dcaas.tenant.repository import UserRepository

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.cache import PrincipalCache
    from dcaas.tenant.models import User

PREFIX = "dcaas_"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once, never stored


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


async def issue(
    session: AsyncSession,
    user: User,
    *,
    description: str = "",
    expires_at: datetime | None = None,
    scopes: Collection[str] = (),
) -> IssuedKey:
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=user.tenant_id,
        user_id=user.id,
        description=description,
        lookup=lookup,
        key_hash=_hash(secret),
        expires_at=expires_at,
        scopes=" ".join(sorted(set(scopes))),
    )
    await ApiKeyRepository(session, user.tenant_id).add(key)
    return IssuedKey(key=key, token=f"{PREFIX}{lookup}_{secret}")


async def authenticate(session: AsyncSession, token: str) -> tuple[Principal, ApiKey]:
    body = token.removeprefix(PREFIX)
    lookup, sep, secret = body.partition("_")
    if not sep or not lookup or not secret:
        raise Unauthorized("malformed API key", code=Code.TOKEN_INVALID)
    key = await by_lookup(session, lookup)
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        raise Unauthorized("invalid API key", code=Code.TOKEN_INVALID)
    now = utcnow()
    if key.revoked_at is not None:
        raise Unauthorized("this API key has been revoked", code=Code.TOKEN_REVOKED)
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized("this API key has expired", code=Code.TOKEN_EXPIRED)
    user = await UserRepository(session, key.tenant_id).get(key.user_id)
    if user is None:
        raise Unauthorized("the key's user no longer exists", code=Code.TOKEN_INVALID)
    principal = Principal(
        tenant_id=key.tenant_id,
        user_id=user.id,
        subject=user.subject,
        is_admin=user.is_admin,
        via="api_key",
        grants=key.grants,
    )
    return principal, key


class ApiKeyService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.repo = ApiKeyRepository(session, principal.tenant_id)

    async def create(
        self, *, description: str, expires_at: datetime | None, scopes: Collection[str] = ()
    ) -> IssuedKey:
        if scopes and not self.principal.is_admin:
            raise Forbidden(
                "only tenant admins may create a key with scopes (an engine key can read "
                "connection secrets)",
                code=Code.ADMIN_REQUIRED,
                meta={"field": "scopes"},
            )
        user = await UserRepository(self.session, self.principal.tenant_id).get(
            self.principal.user_id
        )
        if user is None:
            raise NotFound("user not found", code=Code.USER_NOT_FOUND)
        return await issue(
            self.session, user, description=description, expires_at=expires_at, scopes=scopes
        )

    async def list(self, limit: int) -> list[ApiKey]:
        owner = None if self.principal.is_admin else self.principal.user_id
        return list(await self.repo.list(user_id=owner, limit=limit))

    async def get(self, key_id: str) -> ApiKey:
        key = await self.repo.get(key_id)
        if key is None or not (self.principal.is_admin or key.user_id == self.principal.user_id):
            raise NotFound(f"API key {key_id} not found", code=Code.API_KEY_NOT_FOUND)
        return key

    async def revoke(self, key_id: str, cache: PrincipalCache | None = None) -> None:
        key = await self.get(key_id)
        if cache is not None:
            cache.evict_key(key.id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            await self.session.flush()
