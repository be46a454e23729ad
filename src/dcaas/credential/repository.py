from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, func, select

from dcaas.connection.models import Connection
from dcaas.credential.models import Credential

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


class CredentialRepository:
    """Credentials of one tenant. ``owner_id`` narrows to one user's (None: all, for admins)."""

    model = Credential

    def __init__(self, session: AsyncSession, tenant_id: str, owner_id: str | None) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.owner_id = owner_id

    def _scoped(self) -> Select[tuple[Credential]]:
        stmt = select(Credential).where(Credential.tenant_id == self.tenant_id)
        if self.owner_id is not None:
            stmt = stmt.where(Credential.owner_id == self.owner_id)
        return stmt

    async def get(self, credential_id: str) -> Credential | None:
        credential: Credential | None = await self.session.scalar(
            self._scoped().where(Credential.id == credential_id)
        )
        return credential

    async def by_name(self, name: str) -> Credential | None:
        credential: Credential | None = await self.session.scalar(
            self._scoped().where(Credential.name == name).order_by(Credential.created).limit(1)
        )
        return credential

    async def get_any_owner(self, credential_id: str) -> Credential | None:
        """Tenant-scoped only: a shared connection's embedded credential, for its users."""
        credential: Credential | None = await self.session.scalar(
            select(Credential).where(
                Credential.tenant_id == self.tenant_id, Credential.id == credential_id
            )
        )
        return credential

    async def connection_counts(self, ids: Sequence[str]) -> dict[str, int]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Connection.credential_id, func.count())
            .where(Connection.tenant_id == self.tenant_id, Connection.credential_id.in_(ids))
            .group_by(Connection.credential_id)
        )
        return {cid: n for cid, n in rows.tuples() if cid is not None}

    async def page(
        self,
        condition: ColumnElement[bool] | None,
        *,
        order: list[ColumnElement[object]],
        limit: int,
    ) -> Sequence[Credential]:
        stmt = self._scoped()
        if condition is not None:
            stmt = stmt.where(condition)
        return (await self.session.scalars(stmt.order_by(*order).limit(limit))).all()

    async def count(self, condition: ColumnElement[bool] | None) -> int:
        stmt = select(func.count()).select_from(self._scoped().subquery())
        if condition is not None:
            stmt = select(func.count()).select_from(self._scoped().where(condition).subquery())
        return int(await self.session.scalar(stmt) or 0)

    async def orphans(
        self, *, q_type: str | None, data_source_id: str | None, separated: bool | None
    ) -> Sequence[Credential]:
        used = select(Connection.credential_id).where(
            Connection.tenant_id == self.tenant_id, Connection.credential_id.is_not(None)
        )
        stmt = self._scoped().where(Credential.id.not_in(used))
        if q_type:
            stmt = stmt.where(Credential.q_type == q_type)
        if data_source_id:
            stmt = stmt.where(Credential.data_source_id == data_source_id)
        if separated is not None:
            stmt = stmt.where(Credential.separated == separated)
        return (await self.session.scalars(stmt.order_by(Credential.created, Credential.id))).all()

    async def add(self, credential: Credential) -> Credential:
        self.session.add(credential)
        await self.session.flush()
        return credential

    async def remove(self, credential: Credential) -> None:
        await self.session.delete(credential)
        await self.session.flush()
