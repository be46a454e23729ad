from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from dcaas.api_key.models import ApiKey
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


# The one unscoped query: authentication finds the tenant from the key itself (built once:
# every request whose key is not in the principal cache runs it).
_BY_LOOKUP = select(ApiKey).where(ApiKey.lookup == bindparam("lookup"))


async def by_lookup(session: AsyncSession, lookup: str) -> ApiKey | None:
    api_key: ApiKey | None = await session.scalar(_BY_LOOKUP, {"lookup": lookup})
    return api_key


class ApiKeyRepository(RepositoryBase[ApiKey]):
    model = ApiKey

    async def get(self, key_id: str) -> ApiKey | None:
        return await self.one(self.readable().where(ApiKey.id == key_id))

    async def list(self, *, user_id: str | None, limit: int) -> Sequence[ApiKey]:
        stmt = self.readable()
        if user_id is not None:
            stmt = stmt.where(ApiKey.user_id == user_id)
        return await self.all(stmt.order_by(ApiKey.created.desc(), ApiKey.id).limit(limit))
