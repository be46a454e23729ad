"""Spaces, their members, and what a caller may do in each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dcaas.audit import types as events
from dcaas.audit.service import emit
from dcaas.connection.repository import ConnectionRepository
from dcaas.errors import BadRequest, Code, Conflict, Forbidden, NotFound
from dcaas.kit.time import utcnow
from dcaas.space.models import MANAGE_ROLES, Role, Space, SpaceMember, SpaceType
from dcaas.space.repository import SpaceRepository

if TYPE_CHECKING:
    import builtins
    from collections.abc import Collection

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.tenant.models import User

READ_PRIVILEGES = ["list", "read"]
MANAGE_PRIVILEGES = ["list", "read", "update", "delete", "change_space"]


async def ensure_personal_space(session: AsyncSession, user: User) -> Space:
    repo = SpaceRepository(session, user.tenant_id)
    space = await repo.personal_of(user.id)
    if space is None:
        space = await repo.add(
            Space(
                tenant_id=user.tenant_id,
                type=SpaceType.PERSONAL,
                name=f"personal:{user.id}",
                description=f"Personal space of {user.subject}",
                owner_id=user.id,
            )
        )
    return space


def may_use(principal: Principal, space_type: str, owner_id: str, roles: Collection[str]) -> bool:
    """Whether a caller may see and use what is in a space (``roles``: theirs in it)."""
    if owner_id == principal.user_id:
        return True
    if space_type == SpaceType.PERSONAL:
        return principal.is_admin
    return principal.is_admin or bool(roles)


def may_manage(
    principal: Principal, space_type: str, owner_id: str, roles: Collection[str]
) -> bool:
    """Whether a caller may change what is in a space."""
    if owner_id == principal.user_id:
        return True
    if space_type == SpaceType.PERSONAL:
        return principal.is_admin
    return principal.is_admin or not MANAGE_ROLES.isdisjoint(roles)


def privileges_of(
    principal: Principal, space_type: str, owner_id: str, roles: Collection[str]
) -> list[str]:
    """Qlik's ``privileges`` of a connection in that space, for that caller."""
    if may_manage(principal, space_type, owner_id, roles):
        extra = ["change_owner"] if principal.is_admin else []
        return MANAGE_PRIVILEGES + extra
    if may_use(principal, space_type, owner_id, roles):
        return list(READ_PRIVILEGES)
    return []


@dataclass
class SpaceAccess:
    """What one caller may do in each space of their tenant (loaded once per request)."""

    principal: Principal
    repo: SpaceRepository
    _roles: dict[str, list[str]] | None = field(default=None, init=False)

    @classmethod
    def of(cls, session: AsyncSession, principal: Principal) -> SpaceAccess:
        return cls(principal, SpaceRepository(session, principal.tenant_id))

    async def roles(self, space: Space) -> set[str]:
        if self._roles is None:
            self._roles = await self.repo.memberships(self.principal.user_id)
        return set(self._roles.get(space.id, []))

    async def _roles_if_needed(self, space: Space) -> set[str]:
        """The caller's roles, read only when owner and admin rights do not decide."""
        p = self.principal
        if space.owner_id == p.user_id or space.type == SpaceType.PERSONAL or p.is_admin:
            return set()
        return await self.roles(space)

    async def can_use(self, space: Space) -> bool:
        roles = await self._roles_if_needed(space)
        return may_use(self.principal, space.type, space.owner_id, roles)

    async def can_manage(self, space: Space) -> bool:
        roles = await self._roles_if_needed(space)
        return may_manage(self.principal, space.type, space.owner_id, roles)

    async def privileges(self, space: Space) -> list[str]:
        roles = await self._roles_if_needed(space)
        return privileges_of(self.principal, space.type, space.owner_id, roles)

    async def space_for_write(self, space_id: str | None) -> Space:
        """The target space of a create or move: the caller's personal space by default."""
        if not space_id:
            space = await self.repo.personal_of(self.principal.user_id)
            if space is None:
                raise NotFound("the caller has no personal space", code=Code.SPACE_NOT_FOUND)
            return space
        space = await self.visible_space(space_id)
        if not await self.can_manage(space):
            raise Forbidden(
                f"you may not manage data connections in space {space_id}",
                meta={"spaceId": space_id},
            )
        return space

    async def visible_space(self, space_id: str) -> Space:
        space = await self.repo.get(space_id)
        if space is None or not await self.can_use(space):
            raise NotFound(f"space {space_id} not found", code=Code.SPACE_NOT_FOUND)
        return space

    async def space_id_named(self, name: str) -> str:
        """The id of the space of this name the caller sees (``Space:Name`` references)."""
        p = self.principal
        space = await self.repo.visible_named(p.user_id, name, all_shared=p.is_admin)
        if space is None:
            raise NotFound(f"space {name!r} not found", code=Code.SPACE_NOT_FOUND)
        return space.id

    async def personal_space_id(self) -> str:
        return (await self.space_for_write(None)).id

    async def visible_space_ids(self) -> list[str]:
        return await self.repo.visible_ids(
            self.principal.user_id, all_shared=self.principal.is_admin
        )


class SpaceService:
    """Shared-space management (Qlik's /spaces and /spaces/{id}/assignments, in small)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.principal = principal
        self.repo = SpaceRepository(session, principal.tenant_id)
        self.access = SpaceAccess(principal, self.repo)
        self.connections = ConnectionRepository(session, principal.tenant_id)

    async def create(self, *, name: str, type_: str, description: str) -> Space:
        if type_ == SpaceType.PERSONAL:
            raise BadRequest("personal spaces are created with their user", meta={"field": "type"})
        await self._refuse_seen_name(name)
        space = Space(
            tenant_id=self.principal.tenant_id,
            type=type_,
            name=name,
            description=description,
            owner_id=self.principal.user_id,
        )
        return await self.repo.add(space)

    async def _refuse_seen_name(self, name: str) -> None:
        """409 when a space the caller can see has this name; spaces they cannot see do
        not count, so the answer says nothing about them (their names stay unknown)."""
        p = self.principal
        if await self.repo.visible_named(p.user_id, name, all_shared=p.is_admin) is not None:
            raise Conflict(f"a space named {name!r} exists", code=Code.SPACE_NAME_CONFLICT)

    async def list(self, limit: int) -> list[Space]:
        return list(
            await self.repo.list_shared(
                self.principal.user_id, all_shared=self.principal.is_admin, limit=limit
            )
        )

    async def get(self, space_id: str) -> Space:
        return await self.access.visible_space(space_id)

    async def _owned(self, space_id: str) -> Space:
        space = await self.access.visible_space(space_id)
        if space.type == SpaceType.PERSONAL:
            raise Forbidden("a personal space cannot be changed", meta={"spaceId": space_id})
        if not (space.owner_id == self.principal.user_id or self.principal.is_admin):
            roles = await self.access.roles(space)
            if Role.FACILITATOR not in roles:
                raise Forbidden(f"you may not manage space {space_id}", meta={"spaceId": space_id})
        return space

    async def update(self, space_id: str, *, name: str | None, description: str | None) -> Space:
        space = await self._owned(space_id)
        if name is not None and name != space.name:
            await self._refuse_seen_name(name)
            space.name = name
        if description is not None:
            space.description = description
        space.updated = utcnow()
        await self.repo.session.flush()
        return space

    async def delete(self, space_id: str) -> None:
        space = await self._owned(space_id)
        if await self.connections.count_in_space(space.id):
            raise Conflict(
                f"space {space_id} still holds data connections; move or delete them first",
                code=Code.SPACE_NOT_EMPTY,
            )
        await self.repo.remove(space)

    async def assignments(self, space_id: str) -> builtins.list[SpaceMember]:
        space = await self.access.visible_space(space_id)
        return list(await self.repo.members(space.id))

    async def assign(self, space_id: str, *, user: User, roles: builtins.list[str]) -> SpaceMember:
        space = await self._owned(space_id)
        if await self.repo.member_by_user(space.id, user.id) is not None:
            raise Conflict(
                f"user {user.id} already has an assignment in space {space_id}",
                code=Code.ASSIGNMENT_CONFLICT,
            )
        member = SpaceMember(
            tenant_id=space.tenant_id, space_id=space.id, user_id=user.id, roles=roles
        )
        return await self.repo.add_member(member)

    async def unassign(self, space_id: str, assignment_id: str) -> None:
        space = await self._owned(space_id)
        member = await self.repo.member(space.id, assignment_id)
        if member is None:
            raise NotFound(f"assignment {assignment_id} not found", code=Code.ASSIGNMENT_NOT_FOUND)
        await self.repo.remove_member(member)
        emit(  # a bulk DELETE: the audit hook does not see it
            self.repo.session,
            events.MEMBER_REMOVED,
            object_type="space-assignment",
            object_id=member.id,
            tenant_id=member.tenant_id,
            data={"spaceId": member.space_id, "userId": member.user_id},
        )
