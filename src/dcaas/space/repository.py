from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, bindparam, delete, or_, select

from dcaas.kit.repository import RepositoryBase, tenant_scope
from dcaas.space.models import Space, SpaceMember, SpaceType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement


# The spaces a list page may show, built once (see visible_ids): owned or shared (admins),
# or owned or joined (everyone else).
_OWNED = Space.owner_id == bindparam("user_id")
_VISIBLE_IDS_ALL_SHARED = select(Space.id).where(
    tenant_scope(Space), or_(_OWNED, Space.type != SpaceType.PERSONAL)
)
_VISIBLE_IDS = select(Space.id).where(
    tenant_scope(Space),
    or_(
        _OWNED,
        Space.id.in_(
            select(SpaceMember.space_id).where(
                tenant_scope(SpaceMember), SpaceMember.user_id == bindparam("user_id")
            )
        ),
    ),
)
# A user's personal space: asked on every create, so built once.
_PERSONAL = select(Space).where(tenant_scope(Space), Space.type == SpaceType.PERSONAL, _OWNED)


class SpaceRepository(RepositoryBase[Space]):
    """Spaces and memberships of one tenant."""

    model = Space

    async def get(self, space_id: str) -> Space | None:
        return await self.one(self.readable().where(Space.id == space_id))

    async def personal_of(self, user_id: str) -> Space | None:
        found: Space | None = await self.session.scalar(_PERSONAL, self.params(user_id=user_id))
        return found

    async def visible_named(self, user_id: str, name: str, *, all_shared: bool) -> Space | None:
        """A space of this name among those :meth:`visible` gives the user, if any."""
        condition = self._visible_to(user_id, all_shared=all_shared)
        return await self.one(self.readable().where(Space.name == name, condition))

    async def memberships(self, user_id: str) -> dict[str, list[str]]:
        rows = await self.session.execute(
            self.scoped(SpaceMember, SpaceMember.space_id, SpaceMember.roles).where(
                SpaceMember.user_id == user_id
            )
        )
        return {space_id: list(roles) for space_id, roles in rows.tuples()}

    def _visible_to(self, user_id: str, *, all_shared: bool) -> ColumnElement[bool]:
        """Own spaces, and the shared spaces the user belongs to (or every shared one)."""
        member_of = self.scoped(SpaceMember, SpaceMember.space_id).where(
            SpaceMember.user_id == user_id
        )
        shared = Space.type != SpaceType.PERSONAL
        return or_(Space.owner_id == user_id, shared if all_shared else Space.id.in_(member_of))

    async def visible(self, user_id: str, *, all_shared: bool) -> Sequence[Space]:
        """The user's personal space, and the shared spaces they own or belong to (or all)."""
        condition = self._visible_to(user_id, all_shared=all_shared)
        return await self.all(self.readable().where(condition).order_by(Space.id))

    async def visible_ids(self, user_id: str, *, all_shared: bool) -> list[str]:
        """The ids of :meth:`visible` (no Space objects: a list page needs only these)."""
        stmt = _VISIBLE_IDS_ALL_SHARED if all_shared else _VISIBLE_IDS
        return list((await self.session.scalars(stmt, self.params(user_id=user_id))).all())

    async def list_shared(self, user_id: str, *, all_shared: bool, limit: int) -> Sequence[Space]:
        spaces = await self.visible(user_id, all_shared=all_shared)
        return spaces[:limit]

    async def members(self, space_id: str) -> Sequence[SpaceMember]:
        stmt = (
            self.scoped(SpaceMember)
            .where(SpaceMember.space_id == space_id)
            .order_by(SpaceMember.created, SpaceMember.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def member(self, space_id: str, assignment_id: str) -> SpaceMember | None:
        member: SpaceMember | None = await self.session.scalar(
            self.scoped(SpaceMember).where(
                SpaceMember.space_id == space_id, SpaceMember.id == assignment_id
            )
        )
        return member

    async def member_by_user(self, space_id: str, user_id: str) -> SpaceMember | None:
        member: SpaceMember | None = await self.session.scalar(
            self.scoped(SpaceMember).where(
                SpaceMember.space_id == space_id, SpaceMember.user_id == user_id
            )
        )
        return member

    async def add_member(self, member: SpaceMember) -> SpaceMember:
        self.session.add(member)
        await self.session.flush()
        return member

    async def remove_member(self, member: SpaceMember) -> None:
        await self.session.execute(
            delete(SpaceMember).where(self.scope(SpaceMember), SpaceMember.id == member.id)
        )
