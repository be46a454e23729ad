"""Provisioning: tenants and users appear on first use (bootstrap, CLI, a trusted JWT)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from dcaas.space.service import ensure_personal_space
from dcaas.tenant.models import LEGACY_JWT_NAMESPACE, LOCAL_NAMESPACE, Tenant, User
from dcaas.tenant.repository import TenantRepository, UserRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


async def ensure_tenant(session: AsyncSession, *, tenant_id: str | None, name: str) -> Tenant:
    """The tenant with this id (or, without an id, this name), created when missing."""
    repo = TenantRepository(session)
    found = await (repo.get(tenant_id) if tenant_id else repo.by_name(name))
    if found is not None:
        return found
    if tenant_id is not None and await repo.by_name(name) is not None:
        name = f"{name} [{tenant_id}]"  # names are unique; another tenant (other id) holds this one
    tenant = Tenant(name=name) if tenant_id is None else Tenant(id=tenant_id, name=name)
    try:
        async with session.begin_nested():
            return await repo.add(tenant)
    except IntegrityError:
        # Another request provisioned it first: use theirs.
        again = await (repo.get(tenant_id) if tenant_id else repo.by_name(name))
        if again is None:
            raise
        return again


async def ensure_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    subject: str,
    is_admin: bool | None = None,
    namespace: str = LOCAL_NAMESPACE,
) -> User:
    """The user with this subject in this namespace, created with a personal space when
    missing.

    ``is_admin`` None leaves an existing user's role as it is. Namespaces never mix: a JWT
    subject ``admin`` is not the API-key user ``admin``.
    """
    repo = UserRepository(session, tenant.id)
    user = await repo.by_subject(subject, namespace)
    if user is None:
        try:
            async with session.begin_nested():
                user = await repo.add(
                    User(
                        tenant_id=tenant.id,
                        namespace=namespace,
                        subject=subject,
                        is_admin=bool(is_admin),
                    )
                )
                await ensure_personal_space(session, user)
        except IntegrityError:
            user = await repo.by_subject(subject, namespace)
            if user is None:
                raise
    elif is_admin is not None and user.is_admin != is_admin:
        user.is_admin = is_admin
        await session.flush()
    return user


async def ensure_jwt_user(
    session: AsyncSession, tenant: Tenant, *, issuer: str, subject: str
) -> User:
    """The user behind a JWT subject, in the issuer's own namespace (``jwt:<issuer>``).

    Its stored role is never changed by a token: a token's roles apply to the request it
    authenticates (see :func:`dcaas.auth.service.authenticate`). A user provisioned from a
    JWT before namespaces existed is adopted by the first token with its subject.
    """
    namespace = jwt_namespace(issuer)
    repo = UserRepository(session, tenant.id)
    user = await repo.by_subject(subject, namespace)
    if user is not None:
        return user
    legacy = await repo.by_subject(subject, LEGACY_JWT_NAMESPACE)
    if legacy is not None:
        legacy.namespace = namespace
        await session.flush()
        return legacy
    return await ensure_user(session, tenant, subject=subject, namespace=namespace)


def jwt_namespace(issuer: str) -> str:
    """``jwt:`` and the token's issuer (its ``iss`` claim; empty when it has none)."""
    return f"jwt:{issuer}"
