"""Queries of the OAuth domain: pending authorizations and refresh claims.

The connection and credential rows a token refresh reads and writes belong to those domains;
their repositories answer for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from dcaas.kit.repository import tenant_scope
from dcaas.oauth.models import OAuthAuthorization, RefreshClaim

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


# Used and expired requests are kept a day, so that a late or repeated callback gets a clear
# "used" or "expired" answer rather than "unknown".
_KEEP = timedelta(days=1)


class AuthorizationRepository:
    """Pending authorizations. Lookups by state are global: the state is a 256-bit secret
    and the callback has no other identity; every other lookup is scoped to tenant and user."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, authorization: OAuthAuthorization) -> None:
        self.session.add(authorization)
        await self.session.flush()

    async def by_state_hash(self, state_hash: str) -> OAuthAuthorization | None:
        found: OAuthAuthorization | None = await self.session.scalar(
            select(OAuthAuthorization).where(OAuthAuthorization.state_hash == state_hash)
        )
        return found

    async def latest(
        self,
        *,
        tenant_id: str,
        user_id: str,
        data_source_id: str | None = None,
        connection_id: str | None = None,
        state_hash: str | None = None,
    ) -> OAuthAuthorization | None:
        """The caller's newest request for a new connection of a source, or for a connection."""
        stmt = select(OAuthAuthorization).where(
            tenant_scope(OAuthAuthorization, tenant_id), OAuthAuthorization.user_id == user_id
        )
        if connection_id is not None:
            stmt = stmt.where(OAuthAuthorization.connection_id == connection_id)
        else:
            stmt = stmt.where(
                OAuthAuthorization.data_source_id == data_source_id,
                OAuthAuthorization.connection_id.is_(None),
            )
        if state_hash is not None:
            stmt = stmt.where(OAuthAuthorization.state_hash == state_hash)
        order = (OAuthAuthorization.used_at.is_not(None), OAuthAuthorization.created.desc())
        found: OAuthAuthorization | None = await self.session.scalar(stmt.order_by(*order).limit(1))
        return found

    async def claim(self, authorization_id: str, now: datetime) -> bool:
        """Mark a request used, atomically: only one caller gets True (the row is locked on
        PostgreSQL until commit; SQLite serialises writers)."""
        result = await self.session.execute(
            update(OAuthAuthorization)
            .where(
                OAuthAuthorization.id == authorization_id,
                OAuthAuthorization.used_at.is_(None),
                OAuthAuthorization.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def purge(self, now: datetime) -> None:
        await self.session.execute(
            delete(OAuthAuthorization).where(OAuthAuthorization.expires_at < now - _KEEP)
        )


class RefreshClaimRepository:
    """Who is refreshing a credential's OAuth token. Keyed by the credential's id (global,
    as the credential row it names is); the claim is committed at once, so other processes
    see it and wait."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, credential_id: str, claim: str, now: datetime) -> None:
        """Claim a credential's refresh; IntegrityError when another request holds it."""
        self.session.add(RefreshClaim(credential_id=credential_id, claim=claim, claimed_at=now))
        await self.session.flush()

    async def take_over(
        self, credential_id: str, claim: str, now: datetime, *, stale_before: datetime
    ) -> bool:
        """Take over a claim whose request died (older than ``stale_before``)."""
        result = await self.session.execute(
            update(RefreshClaim)
            .where(
                RefreshClaim.credential_id == credential_id,
                RefreshClaim.claimed_at < stale_before,
            )
            .values(claim=claim, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def release(self, credential_id: str, claim: str) -> None:
        await self.session.execute(
            delete(RefreshClaim).where(
                RefreshClaim.credential_id == credential_id, RefreshClaim.claim == claim
            )
        )
