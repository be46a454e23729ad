"""First start: an empty store gets a default tenant, an admin with a personal space, and a key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.api_key.service import IssuedKey, issue
from dcaas.kit.db import transaction
from dcaas.tenant.repository import TenantRepository
from dcaas.tenant.service import ensure_tenant, ensure_user

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

DEFAULT_TENANT = "default"
DEFAULT_ADMIN = "admin"


async def bootstrap(sessions: async_sessionmaker[AsyncSession]) -> IssuedKey | None:
    """The admin's key when the store was empty (shown once), otherwise None."""
    async with transaction(sessions) as session:
        if await TenantRepository(session).any():
            return None
        tenant = await ensure_tenant(session, tenant_id=None, name=DEFAULT_TENANT)
        admin = await ensure_user(session, tenant, subject=DEFAULT_ADMIN, is_admin=True)
        return await issue(session, admin, description="created on first start")


async def create_key(
    sessions: async_sessionmaker[AsyncSession],
    *,
    tenant: str,
    user: str,
    admin: bool,
    engine: bool = False,
) -> IssuedKey:
    async with transaction(sessions) as session:
        t = await ensure_tenant(session, tenant_id=None, name=tenant)
        u = await ensure_user(session, t, subject=user, is_admin=True if admin else None)
        return await issue(
            session,
            u,
            description="created with dcaas apikey create" + (" --engine" if engine else ""),
            scopes=("engine",) if engine else (),
        )
