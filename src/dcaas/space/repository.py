from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, select

from dcaas.space.models import Space, SpaceMember, SpaceType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


# The spaces a list page may show, built once (see visible): owned or shared (admins), or
# owned or joined (everyone else).
_OWNED = Space.owner_id == bindparam("user_id")
_VISIBLE_IDS_ALL_SHARED = select(Space.id).where(
    Space.tenant_id == bindparam("tenant_id"), or_(_OWNED, Space.type != SpaceType.PERSONAL)
)
_VISIBLE_IDS = select(Space.id).where(
    Space.tenant_id == bindparam("tenant_id"),
    or_(
        _OWNED,
        Space.id.in_(
            select(SpaceMember.space_id).where(
                SpaceMember.tenant_id == bindparam("tenant_id"),
                SpaceMember.user_id == bindparam("user_id"),
            )
        ),
    ),
)


class SpaceRepository:
    """Spaces and memberships of one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, space_id: str) -> Space | None:
        space: Space | None = await self.session.scalar(
            select(Space).where(Space.tenant_id == self.tenant_id, Space.id == space_id)
        )
        return space

    async def personal_of(self, user_id: str) -> Space | None:
        space: Space | None = await self.session.scalar(
            select(Space).where(
                Space.tenant_id == self.tenant_id,
                Space.type == SpaceType.PERSONAL,
                Space.owner_id == user_id,
            )
        )
        return space

    async def by_name(self, name: str) -> Space | None:
        space: Space | None = await self.session.scalar(
            select(Space).where(Space.tenant_id == self.tenant_id, Space.name == name)
        )
        return space

    async def memberships(self, user_id: str) -> dict[str, list[str]]:
        rows = await self.session.execute(
            select(SpaceMember.space_id, SpaceMember.roles).where(
                SpaceMember.tenant_id == self.tenant_id, SpaceMember.user_id == user_id
            )
        )
        return {space_id: list(roles) for space_id, roles in rows.tuples()}

    def _visible(self, user_id: str, *, all_shared: bool) -> ColumnElement[bool]:
        member_of = select(SpaceMember.space_id).where(
            SpaceMember.tenant_id == self.tenant_id, SpaceMember.user_id == user_id
        )
        shared = Space.type != SpaceType.PERSONAL
        return and_(
            Space.tenant_id == self.tenant_id,
            or_(Space.owner_id == user_id, shared if all_shared else Space.id.in_(member_of)),
        )

    async def visible(self, user_id: str, *, all_shared: bool) -> Sequence[Space]:
        """The user's personal space, and the shared spaces they own or belong to (or all)."""
        condition = self._visible(user_id, all_shared=all_shared)
        return (await self.session.scalars(select(Space).where(condition).order_by(Space.id))).all()

    async def visible_ids(self, user_id: str, *, all_shared: bool) -> list[str]:
        """The ids of :meth:`visible` (no Space objects: a list page needs only these)."""
        stmt = _VISIBLE_IDS_ALL_SHARED if all_shared else _VISIBLE_IDS
        params = {"tenant_id": self.tenant_id, "user_id": user_id}
        return list((await self.session.scalars(stmt, params)).all())

    async def list_shared(self, user_id: str, *, all_shared: bool, limit: int) -> Sequence[Space]:
        spaces = await self.visible(user_id, all_shared=all_shared)
        return spaces[:limit]

    async def add(self, space: Space) -> Space:
        self.session.add(space)
        await self.session.flush()
        return space

    async def remove(self, space: Space) -> None:
        await self.session.delete(space)
        await self.session.flush()

    async def members(self, space_id: str) -> Sequence[SpaceMember]:
        stmt = (
            select(SpaceMember)
            .where(SpaceMember.tenant_id == self.tenant_id, SpaceMember.space_id == space_id)
            .order_by(SpaceMember.created, SpaceMember.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def member(self, space_id: str, assignment_id: str) -> SpaceMember | None:
        space_member: SpaceMember | None = await self.session.scalar(
            select(SpaceMember).where(
                SpaceMember.tenant_id == self.tenant_id,
                SpaceMember.space_id == space_id,
                SpaceMember.id == assignment_id,
            )
        )
        return space_member

    async def member_by_user(self, space_id: str, user_id: str) -> SpaceMember | None:
        space_member: SpaceMember | None = await self.session.scalar(
            select(SpaceMember).where(
                SpaceMember.tenant_id == self.tenant_id,
                SpaceMember.space_id == space_id,
                SpaceMember.user_id == user_id,
            )
        )
        return space_member

    async def add_member(self, member: SpaceMember) -> SpaceMember:
        self.session.add(member)
        await self.session.flush()
        return member

    async def remove_member(self, member: SpaceMember) -> None:
        await self.session.execute(delete(SpaceMember).where(SpaceMember.id == member.id))

    async def count_connections(self, space_id: str) -> int:
        from dcaas.connection.models import Connection  # noqa: PLC0415 - avoid an import cycle

        stmt = select(func.count()).where(
            Connection.tenant_id == self.tenant_id, Connection.space_id == space_id
        )
        return int(await self.session.scalar(stmt) or 0)
