from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, update

from dcaas.credential.models import Credential
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.paging import Cursor, Sort

KEYSET = Keyset(
    {
        "qName": Credential.name,
        "created": Credential.created,
        "updated": Credential.updated,
        "_id": Credential.id,
    },
    Credential.id,
)
SORT_FIELDS = KEYSET.sort_fields


class CredentialRepository(RepositoryBase[Credential]):
    """Credentials of one tenant. ``owner_id`` narrows to one user's (None: all, for admins)."""

    model = Credential

    def __init__(self, session: AsyncSession, tenant_id: str, owner_id: str | None) -> None:
        super().__init__(session, tenant_id)
        self.owner_id = owner_id

    def readable_clause(self) -> ColumnElement[bool]:
        if self.owner_id is None:
            return self.scope()
        return and_(self.scope(), Credential.owner_id == self.owner_id)

    async def get(self, credential_id: str) -> Credential | None:
        return await self.one(self.readable().where(Credential.id == credential_id))

    async def by_name(self, name: str) -> Credential | None:
        stmt = self.readable().where(Credential.name == name)
        return await self.one(stmt.order_by(Credential.created).limit(1))

    async def get_any_owner(self, credential_id: str) -> Credential | None:
        """Tenant-scoped only: a shared connection's embedded credential, for its users."""
        return await self.one(self.scoped(Credential).where(Credential.id == credential_id))

    async def get_for_refresh(self, credential_id: str, *, lock: bool) -> Credential | None:
        """Tenant-scoped only; with ``lock``, held until commit so one process refreshes an
        OAuth token at a time.

        PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite has no row locks: a no-op update first
        takes the database's write lock, which serialises the refreshing transactions.
        """
        by_id = Credential.id == credential_id
        if lock and self.session.bind.dialect.name == "sqlite":
            await self.session.execute(
                update(Credential).where(self.scope(), by_id).values(updated=Credential.updated)
            )
        stmt = self.scoped(Credential).where(by_id).execution_options(populate_existing=True)
        if lock:
            stmt = stmt.with_for_update()
        return await self.one(stmt)

    async def page(
        self,
        condition: ColumnElement[bool] | None,
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Sequence[Credential]:
        """Up to ``limit + 1`` rows after (or, backwards, before) the cursor, nearest first."""
        stmt = self.readable()
        if condition is not None:
            stmt = stmt.where(condition)
        return await self.all(KEYSET.page_of(stmt, sort=sort, cursor=cursor, limit=limit))

    async def count(self, condition: ColumnElement[bool] | None) -> int:
        stmt = self.readable()
        return await self.count_of(stmt if condition is None else stmt.where(condition))

    async def orphans(
        self,
        *,
        in_use: Select[tuple[str | None]],
        q_type: str | None,
        data_source_id: str | None,
        separated: bool | None,
    ) -> Sequence[Credential]:
        """The credentials whose id is not among ``in_use`` (from the connections' side)."""
        stmt = self.readable().where(Credential.id.not_in(in_use))
        if q_type:
            stmt = stmt.where(Credential.q_type == q_type)
        if data_source_id:
            stmt = stmt.where(Credential.data_source_id == data_source_id)
        if separated is not None:
            stmt = stmt.where(Credential.separated == separated)
        return await self.all(stmt.order_by(Credential.created, Credential.id))
