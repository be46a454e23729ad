"""Queries of the OAuth domain: pending authorizations, and the rows a token refresh uses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from dcaas.connection.models import Connection
from dcaas.credential.models import Credential
from dcaas.oauth.models import OAuthAuthorization, RefreshClaim

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.crypto import Sealed

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
            OAuthAuthorization.tenant_id == tenant_id, OAuthAuthorization.user_id == user_id
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


class TokenRepository:
    """The rows a token refresh reads and writes, scoped to one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def connection(self, connection_id: str) -> Connection | None:
        found: Connection | None = await self.session.scalar(
            select(Connection).where(
                Connection.tenant_id == self.tenant_id, Connection.id == connection_id
            )
        )
        return found

    async def credential(self, credential_id: str) -> Credential | None:
        stmt = (
            select(Credential)
            .where(Credential.tenant_id == self.tenant_id, Credential.id == credential_id)
            .execution_options(populate_existing=True)
        )
        found: Credential | None = await self.session.scalar(stmt)
        return found

    async def replace_sealed(
        self, credential_id: str, *, read: bytes, sealed: Sealed, now: datetime
    ) -> bool:
        """Store a re-sealed payload, unless the credential changed since ``read`` was read."""
        result = await self.session.execute(
            update(Credential)
            .where(
                Credential.tenant_id == self.tenant_id,
                Credential.id == credential_id,
                Credential.ciphertext == read,
            )
            .values(
                ciphertext=sealed.ciphertext,
                wrapped_key=sealed.wrapped_key,
                key_id=sealed.key_id,
                updated=now,
            )
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def claim_refresh(self, credential_id: str, claim: str, now: datetime) -> None:
        """Claim a credential's refresh; IntegrityError when another request holds it."""
        self.session.add(RefreshClaim(credential_id=credential_id, claim=claim, claimed_at=now))
        await self.session.flush()

    async def take_over_refresh(
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

    async def release_refresh(self, credential_id: str, claim: str) -> None:
        await self.session.execute(
            delete(RefreshClaim).where(
                RefreshClaim.credential_id == credential_id, RefreshClaim.claim == claim
            )
        )

    async def set_auth_status(self, connection_id: str, status: str) -> None:
        # A status flag, not an edit: no version bump, so concurrent edits do not conflict.
        await self.session.execute(
            update(Connection)
            .where(Connection.tenant_id == self.tenant_id, Connection.id == connection_id)
            .values(auth_status=status)
            .execution_options(synchronize_session=False)
        )
