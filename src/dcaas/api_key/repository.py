from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from dcaas.api_key.models import ApiKey

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


async def by_lookup(session: AsyncSession, lookup: str) -> ApiKey | None:
    """The one unscoped query: authentication finds the tenant from the key itself."""
    api_key: ApiKey | None = await session.scalar(select(ApiKey).where(ApiKey.lookup == lookup))
    return api_key


class ApiKeyRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, key_id: str) -> ApiKey | None:
        api_key: ApiKey | None = await self.session.scalar(
            select(ApiKey).where(ApiKey.tenant_id == self.tenant_id, ApiKey.id == key_id)
        )
        return api_key

    async def list(self, *, user_id: str | None, limit: int) -> Sequence[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.tenant_id == self.tenant_id)
        if user_id is not None:
            stmt = stmt.where(ApiKey.user_id == user_id)
        stmt = stmt.order_by(ApiKey.created.desc(), ApiKey.id).limit(limit)
        return (await self.session.scalars(stmt)).all()

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key
