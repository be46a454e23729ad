from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from dcaas.kit.repository import RepositoryBase
from dcaas.tenant.models import LOCAL_NAMESPACE, Tenant, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class TenantRepository:
    """The tenants themselves: the one repository above the tenant scope."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def by_name(self, name: str) -> Tenant | None:
        tenant: Tenant | None = await self.session.scalar(select(Tenant).where(Tenant.name == name))
        return tenant

    async def any(self) -> bool:
        return (await self.session.scalar(select(Tenant.id).limit(1))) is not None

    async def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        await self.session.flush()
        return tenant


class UserRepository(RepositoryBase[User]):
    """Users of one tenant."""

    model = User

    async def get(self, user_id: str) -> User | None:
        return await self.one(self.readable().where(User.id == user_id))

    async def by_subject(self, subject: str, namespace: str = LOCAL_NAMESPACE) -> User | None:
        return await self.one(
            self.readable().where(User.namespace == namespace, User.subject == subject)
        )
