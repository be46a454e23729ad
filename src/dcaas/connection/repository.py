from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, bindparam, func, select

from dcaas.connection.models import Connection
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase, tenant_scope
from dcaas.kit.scim import FieldKind, FilterField
from dcaas.space.models import Space

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Select

    from dcaas.kit.paging import Cursor, Sort

FILTER_FIELDS: dict[str, FilterField] = {
    "qName": FilterField(Connection.name),
    "qType": FilterField(Connection.q_type),
    "datasourceID": FilterField(Connection.data_source_id),
    "created": FilterField(Connection.created, FieldKind.DATETIME),
    "updated": FilterField(Connection.updated, FieldKind.DATETIME),
}
KEYSET = Keyset(
    {
        "qName": Connection.name,
        "created": Connection.created,
        "updated": Connection.updated,
        "_id": Connection.id,
    },
    Connection.id,
    folded=frozenset({"qName"}),
)
SORT_FIELDS = KEYSET.sort_fields


# Built once: constructing the expression costs more than running it on a primary key. The
# space is joined because it decides who may see the connection (it is always the tenant's).
_WITH_SPACE = (
    select(Connection, Space)
    .join(Space, Space.id == Connection.space_id)
    .where(tenant_scope(Connection), Connection.id == bindparam("connection_id"))
)


class ConnectionRepository(RepositoryBase[Connection]):
    """Connections of one tenant: every query starts from the tenant scope."""

    model = Connection

    async def get(self, connection_id: str) -> Connection | None:
        return await self.one(self.readable().where(Connection.id == connection_id))

    async def get_with_space(self, connection_id: str) -> tuple[Connection, Space] | None:
        """A connection and its space in one query (the space decides who may see it)."""
        params = self.params(connection_id=connection_id)
        row = (await self.session.execute(_WITH_SPACE, params)).first()
        return (row[0], row[1]) if row is not None else None

    async def by_name(self, name: str, space_ids: Sequence[str]) -> Sequence[Connection]:
        stmt = (
            self.readable()
            .where(Connection.name == name, Connection.space_id.in_(space_ids))
            .order_by(Connection.created, Connection.id)
        )
        return await self.all(stmt)

    async def name_taken(self, space_id: str, name: str, *, exclude_id: str | None = None) -> bool:
        stmt = self.scoped(Connection, Connection.id).where(
            Connection.space_id == space_id, Connection.name == name
        )
        if exclude_id is not None:
            stmt = stmt.where(Connection.id != exclude_id)
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def count(self, conditions: list[ColumnElement[bool]]) -> int:
        return await self.count_of(self.readable().where(*conditions))

    async def page(
        self,
        conditions: list[ColumnElement[bool]],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
        case_insensitive: bool,
    ) -> Sequence[Connection]:
        """Up to ``limit + 1`` rows after (or, backwards, before) the cursor, nearest first."""
        stmt = KEYSET.page_of(
            self.readable().where(*conditions),
            sort=sort,
            cursor=cursor,
            limit=limit,
            case_insensitive=case_insensitive,
        )
        return await self.all(stmt)

    async def count_in_space(self, space_id: str) -> int:
        return await self.count_of(self.readable().where(Connection.space_id == space_id))

    async def credential_counts(self, credential_ids: Sequence[str]) -> dict[str, int]:
        """How many of the tenant's connections use each credential."""
        if not credential_ids:
            return {}
        rows = await self.session.execute(
            self.scoped(Connection, Connection.credential_id, func.count())
            .where(Connection.credential_id.in_(credential_ids))
            .group_by(Connection.credential_id)
        )
        return {cid: n for cid, n in rows.tuples() if cid is not None}

    def credential_ids_in_use(self) -> Select[tuple[str | None]]:
        """The ids of the credentials the tenant's connections use, as a subquery to embed."""
        return self.scoped(Connection, Connection.credential_id).where(
            Connection.credential_id.is_not(None)
        )

    async def set_auth_status(self, connection_id: str, status: str) -> None:
        # A status flag, not an edit: no version bump, so concurrent edits do not conflict.
        await self.session.execute(
            self.updating()
            .where(Connection.id == connection_id)
            .values(auth_status=status)
            .execution_options(synchronize_session=False)
        )
