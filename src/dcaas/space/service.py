"""Spaces, their members, and what a caller may do in each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dcaas.connection.repository import ConnectionRepository
from dcaas.errors import BadRequest, Code, Conflict, Forbidden, NotFound
from dcaas.kit.time import utcnow
from dcaas.space.models import MANAGE_ROLES, Role, Space, SpaceMember, SpaceType
from dcaas.space.repository import SpaceRepository

if TYPE_CHECKING:
    import builtins

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

    async def can_use(self, space: Space) -> bool:
        if space.owner_id == self.principal.user_id:
            return True
        if space.type == SpaceType.PERSONAL:
            return self.principal.is_admin
        return self.principal.is_admin or bool(await self.roles(space))

    async def can_manage(self, space: Space) -> bool:
        if space.owner_id == self.principal.user_id:
            return True
        if space.type == SpaceType.PERSONAL:
            return self.principal.is_admin
        return self.principal.is_admin or bool(await self.roles(space) & MANAGE_ROLES)

    async def privileges(self, space: Space) -> list[str]:
        if await self.can_manage(space):
            extra = ["change_owner"] if self.principal.is_admin else []
            return MANAGE_PRIVILEGES + extra
        if await self.can_use(space):
            return list(READ_PRIVILEGES)
        return []

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

    async def visible_space_ids(self) -> list[str]:
        spaces = await self.repo.visible(self.principal.user_id, all_shared=self.principal.is_admin)
        return [s.id for s in spaces]


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
