from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, or_, select

from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase, tenant_scope
from dcaas.tenant.models import LOCAL_NAMESPACE, Tenant, User

if TYPE_CHECKING:
    from collections.abc import Sequence

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


# A user by id: authentication asks it on every request whose key is not cached.
_USER = select(User).where(tenant_scope(User), User.id == bindparam("user_id"))


class UserRepository(RepositoryBase[User]):
    """Users of one tenant."""

    model = User

    async def get(self, user_id: str) -> User | None:
        found: User | None = await self.session.scalar(_USER, self.params(user_id=user_id))
        return found

    async def by_subject(self, subject: str, namespace: str = LOCAL_NAMESPACE) -> User | None:
        return await self.one(
            self.readable().where(User.namespace == namespace, User.subject == subject)
        )

    async def matching(self, ref: str, *, limit: int) -> Sequence[User]:
        """Users whose id, subject, e-mail or display name is ``ref`` (the last two compared
        case-insensitively), oldest first, at most ``limit``."""
        folded = ref.lower()
        stmt = self.readable().where(
            or_(
                User.id == ref,
                User.subject == ref,
                func.lower(User.email) == folded,
                func.lower(User.name) == folded,
            )
        )
        return await self.all(stmt.order_by(User.created, User.id).limit(limit))


USER_KEYSET = Keyset(
    {
        "name": User.name,
        "id": User.id,
        "_id": User.id,
        "subject": User.subject,
        "createdAt": User.created,
    },
    User.id,
)
USER_SORT_FIELDS = USER_KEYSET.sort_fields
