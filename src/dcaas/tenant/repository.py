from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from dcaas.tenant.models import LOCAL_NAMESPACE, Tenant, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class TenantRepository:
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


class UserRepository:
    """Users of one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, user_id: str) -> User | None:
        user: User | None = await self.session.scalar(
            select(User).where(User.tenant_id == self.tenant_id, User.id == user_id)
        )
        return user

    async def by_subject(self, subject: str, namespace: str = LOCAL_NAMESPACE) -> User | None:
        user: User | None = await self.session.scalar(
            select(User).where(
                User.tenant_id == self.tenant_id,
                User.namespace == namespace,
                User.subject == subject,
            )
        )
        return user

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user
