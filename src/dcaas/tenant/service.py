"""Provisioning: tenants and users appear on first use (bootstrap, CLI, a trusted JWT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import literal
from sqlalchemy.exc import IntegrityError

from dcaas.errors import BadRequest, Code, NotFound
from dcaas.kit.scim import FieldKind, FilterField, filter_clause
from dcaas.space.service import ensure_personal_space
from dcaas.tenant.models import LEGACY_JWT_NAMESPACE, LOCAL_NAMESPACE, Tenant, User
from dcaas.tenant.repository import USER_KEYSET, TenantRepository, UserRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.kit.paging import Cursor, Page, Sort


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


@dataclass(frozen=True)
class Profile:
    """What a user is called: a display name and an e-mail (None: not known, keep what is
    stored). From a JWT's or an ID token's ``name`` and ``email`` claims, or from
    ``dcaas apikey create --name --email``."""

    name: str | None = None
    email: str | None = None


NO_PROFILE = Profile()


async def ensure_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    subject: str,
    is_admin: bool | None = None,
    namespace: str = LOCAL_NAMESPACE,
    profile: Profile = NO_PROFILE,
) -> User:
    """The user with this subject in this namespace, created with a personal space when
    missing.

    ``is_admin`` None leaves an existing user's role as it is. Namespaces never mix: a JWT
    subject ``admin`` is not the API-key user ``admin``. A new user is named by ``profile``
    (else by its subject); an existing one takes the profile's values that changed.
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
                        name=profile.name or subject,
                        email=profile.email,
                    )
                )
                await ensure_personal_space(session, user)
        except IntegrityError:
            user = await repo.by_subject(subject, namespace)
            if user is None:
                raise
        return user
    await _update(session, user, is_admin, profile)
    return user


async def _update(
    session: AsyncSession, user: User, is_admin: bool | None, profile: Profile
) -> None:
    """Store the role and the profile's known values where they differ (no write otherwise)."""
    changed = False
    if is_admin is not None and user.is_admin != is_admin:
        user.is_admin, changed = is_admin, True
    if profile.name and user.name != profile.name:
        user.name, changed = profile.name, True
    if profile.email and user.email != profile.email:
        user.email, changed = profile.email, True
    if changed:
        await session.flush()


async def find_user(session: AsyncSession, tenant_id: str, ref: str, *, field: str) -> User:
    """The tenant's user that ``ref`` names: its id, else the one user whose e-mail, subject
    or display name it is (e-mail and name compared case-insensitively).

    None found is 404 ``DCAAS-5007``; several found is 400 ``DCAAS-5014`` listing their ids,
    so the caller can give the id instead. ``field`` names the request's field in the error.
    """
    if (user := await find_user_or_none(session, tenant_id, ref, field=field)) is None:
        raise NotFound(
            f"no user {ref!r} in this tenant: give a user's id, name or e-mail "
            "(GET /api/v1/users lists them)",
            code=Code.USER_NOT_FOUND,
            meta={"field": field},
        )
    return user


async def find_user_or_none(
    session: AsyncSession, tenant_id: str, ref: str, *, field: str
) -> User | None:
    """As :func:`find_user`, but None when nobody has that id, e-mail, subject or name."""
    found = await UserRepository(session, tenant_id).matching(ref, limit=MAX_CANDIDATES + 1)
    if exact := [u for u in found if u.id == ref]:
        return exact[0]
    if len(found) <= 1:
        return found[0] if found else None
    shown = found[:MAX_CANDIDATES]
    ids = ", ".join(u.id for u in shown) + (", ..." if len(found) > MAX_CANDIDATES else "")
    raise BadRequest(
        f"{ref!r} names {'more than ' if len(found) > MAX_CANDIDATES else ''}"
        f"{len(shown)} users (ids {ids}); give the id of the one you mean",
        code=Code.USER_AMBIGUOUS,
        meta={
            "field": field,
            "candidates": [
                {"id": u.id, "name": u.name, "email": u.email, "subject": u.subject} for u in shown
            ],
        },
    )


MAX_CANDIDATES = 10


async def ensure_named_user(
    session: AsyncSession,
    tenant: Tenant,
    ref: str,
    *,
    is_admin: bool | None,
    profile: Profile = NO_PROFILE,
) -> User:
    """``dcaas apikey create --user``: the user ``ref`` names (id, e-mail, subject or name),
    else a new dcaas user with ``ref`` as its subject."""
    user = await find_user_or_none(session, tenant.id, ref, field="user")
    subject = user.subject if user is not None else ref
    namespace = user.namespace if user is not None else LOCAL_NAMESPACE
    return await ensure_user(
        session, tenant, subject=subject, is_admin=is_admin, namespace=namespace, profile=profile
    )


async def ensure_jwt_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    issuer: str,
    subject: str,
    profile: Profile = NO_PROFILE,
) -> User:
    """The user behind a JWT subject, in the issuer's own namespace (``jwt:<issuer>``).

    Its stored role is never changed by a token: a token's roles apply to the request it
    authenticates (see :func:`dcaas.auth.service.authenticate`). A user provisioned from a
    JWT before namespaces existed is adopted by the first token with its subject.
    """
    namespace = jwt_namespace(issuer)
    repo = UserRepository(session, tenant.id)
    user = await repo.by_subject(subject, namespace)
    if user is None and (legacy := await repo.by_subject(subject, LEGACY_JWT_NAMESPACE)):
        legacy.namespace = namespace
        await session.flush()
        user = legacy
    if user is None:
        return await ensure_user(
            session, tenant, subject=subject, namespace=namespace, profile=profile
        )
    await _update(session, user, None, profile)
    return user


def jwt_namespace(issuer: str) -> str:
    """``jwt:`` and the token's issuer (its ``iss`` claim; empty when it has none)."""
    return f"jwt:{issuer}"


USER_FILTER_FIELDS: dict[str, FilterField] = {
    "id": FilterField(User.id),
    "subject": FilterField(User.subject, FieldKind.FOLDED),
    "name": FilterField(User.name, FieldKind.FOLDED),
    "email": FilterField(User.email, FieldKind.FOLDED),
    # Every dcaas user is active (Qlik's other states, invited or disabled, do not exist here).
    "status": FilterField(literal("active"), FieldKind.FOLDED),
    "createdAt": FilterField(User.created, FieldKind.DATETIME),
}


class UserDirectory:
    """The users of the caller's tenant, as anyone in it may see them (Qlik's users API):
    to name people in space assignments."""

    def __init__(self, session: AsyncSession, caller: Principal) -> None:
        self.session = session
        self.caller = caller
        self.repo = UserRepository(session, caller.tenant_id)

    async def list(
        self,
        *,
        filter_text: str | None,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
        total: bool,
    ) -> Page[User]:
        condition = filter_clause(filter_text, USER_FILTER_FIELDS) if filter_text else None
        rows = await self.repo.page_where(
            USER_KEYSET, condition, sort=sort, cursor=cursor, limit=limit
        )
        count = await self.repo.count_where(condition) if total else -1
        return USER_KEYSET.assemble(rows, sort=sort, cursor=cursor, limit=limit, count=count)

    async def count(self) -> int:
        return await self.repo.count_where()

    async def get(self, user_id: str) -> User:
        user = await self.repo.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found", code=Code.USER_NOT_FOUND)
        return user

    async def me(self) -> User:
        return await self.get(self.caller.user_id)
