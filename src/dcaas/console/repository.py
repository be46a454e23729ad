"""Queries on console sessions. A session is found by its token's hash, which names the tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from dcaas.api_key.models import ApiKey
from dcaas.console.models import ConsoleSession
from dcaas.tenant.models import Tenant, User

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(
        self, token_hash: bytes
    ) -> tuple[ConsoleSession, User, Tenant, ApiKey | None] | None:
        """The session with its user, tenant and (when signed in with one) API key: one query."""
        stmt = (
            select(ConsoleSession, User, Tenant, ApiKey)
            .join(ConsoleSession.user)
            .join(ConsoleSession.tenant)
            .outerjoin(ConsoleSession.api_key)
            .where(ConsoleSession.token_hash == token_hash)
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def add(self, record: ConsoleSession) -> ConsoleSession:
        self.session.add(record)
        await self.session.flush()
        return record

    async def delete(self, token_hash: bytes) -> tuple[str, str, str, str | None] | None:
        """Delete the session; its (id, tenant, user, API key) when there was one."""
        row = (
            await self.session.execute(
                delete(ConsoleSession)
                .where(ConsoleSession.token_hash == token_hash)
                .returning(
                    ConsoleSession.id,
                    ConsoleSession.tenant_id,
                    ConsoleSession.user_id,
                    ConsoleSession.api_key_id,
                )
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def delete_expired(self, now: datetime) -> None:
        await self.session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
