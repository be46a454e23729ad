"""Console sessions: an API key or an OpenID Connect sign-in becomes an HttpOnly cookie.

The cookie holds a random token; the store keeps only its SHA-256. The CSRF token is derived
from the session token (a second hash), so the page can prove it read it from the session
endpoint without the store keeping anything more. A session ends at sign-out, at expiry, and
when the API key it was made with is revoked or expires.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from dcaas.api_key import service as api_keys
from dcaas.audit import types as events
from dcaas.audit.service import current_actor, emit
from dcaas.auth.principal import Principal
from dcaas.console.models import ConsoleSession
from dcaas.console.repository import SessionRepository
from dcaas.errors import Code, Forbidden, Unauthorized
from dcaas.kit.time import utcnow
from dcaas.tenant.service import Profile, ensure_tenant, ensure_user

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.tokens import Claims
    from dcaas.tenant.models import Tenant, User

COOKIE = "dcaas_session"
SECURE_COOKIE = "__Host-dcaas_session"  # the prefix makes browsers insist on Secure, Path=/
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token(token: str) -> str:
    """The CSRF token of a session: not the session token, and useless without the cookie."""
    return hashlib.sha256(b"dcaas-csrf:" + token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A session just made: the token goes into the cookie, never into a body."""

    token: str
    record: ConsoleSession


@dataclass(frozen=True)
class Current:
    """The session behind a request, with who it belongs to."""

    record: ConsoleSession
    user: User
    tenant: Tenant
    principal: Principal


class SessionService:
    def __init__(self, session: AsyncSession, lifetime_hours: float) -> None:
        self.session = session
        self.repo = SessionRepository(session)
        self.lifetime = timedelta(hours=lifetime_hours)

    async def sign_in_with_key(self, api_key: str) -> SignedIn:
        if not api_keys.looks_like_api_key(api_key):
            raise Unauthorized("this is not a dcaas API key (dcaas_...)", code=Code.TOKEN_INVALID)
        principal, key = await api_keys.authenticate(self.session, api_key)
        expires = utcnow() + self.lifetime
        if key.expires_at is not None:
            expires = min(expires, key.expires_at)
        return await self._start(principal.tenant_id, principal.user_id, "api_key", key.id, expires)

    async def sign_in_with_claims(self, claims: Claims) -> SignedIn:
        """A user vouched for by the OpenID provider, provisioned as a JWT's would be."""
        tenant = await ensure_tenant(self.session, tenant_id=claims.tenant, name=claims.tenant)
        user = await ensure_user(
            self.session,
            tenant,
            subject=claims.subject,
            is_admin=claims.is_admin,
            profile=Profile(name=claims.name, email=claims.email),
        )
        return await self._start(tenant.id, user.id, "oidc", None, utcnow() + self.lifetime)

    async def _start(
        self, tenant_id: str, user_id: str, via: str, key_id: str | None, expires: datetime
    ) -> SignedIn:
        await self.repo.delete_expired(utcnow())
        token = secrets.token_urlsafe(32)
        record = ConsoleSession(
            token_hash=_hash(token),
            tenant_id=tenant_id,
            user_id=user_id,
            api_key_id=key_id,
            via=via,
            expires_at=expires,
        )
        return SignedIn(token, await self.repo.add(record))

    async def current(self, token: str) -> Current:
        found = await self.repo.find(_hash(token))
        if found is None:
            raise Unauthorized(
                "the console session has ended; sign in again", code=Code.SESSION_ENDED
            )
        record, user, tenant, key = found
        now = utcnow()
        key_gone = record.api_key_id is not None and (
            key is None
            or key.revoked_at is not None
            or (key.expires_at is not None and key.expires_at <= now)
        )
        if record.expires_at <= now or key_gone:
            raise Unauthorized(
                "the console session has ended; sign in again", code=Code.SESSION_ENDED
            )
        principal = Principal(
            tenant_id=tenant.id,
            user_id=user.id,
            subject=user.subject,
            is_admin=user.is_admin,
            via="session",
            key_id=record.api_key_id,
        )
        return Current(record, user, tenant, principal)

    async def sign_out(self, token: str) -> None:
        ended = await self.repo.delete(_hash(token))
        if ended is not None:  # a bulk DELETE: the audit hook does not see it
            session_id, tenant_id, user_id, key_id = ended
            actor = replace(current_actor(), tenant_id=tenant_id, user_id=user_id, key_id=key_id)
            emit(
                self.session,
                events.SESSION_DELETED,
                object_type="console-session",
                object_id=session_id,
                actor=actor,
            )


def check_csrf(method: str, token: str, header: str | None) -> None:
    """A state-changing call made with the session cookie must carry the session's CSRF token."""
    if method in _SAFE_METHODS:
        return
    if header is None or not hmac.compare_digest(header, csrf_token(token)):
        raise Forbidden(
            f"a request made with the console session must send its {CSRF_HEADER} header",
            code=Code.CSRF_TOKEN_INVALID,
        )
