from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - a dataclass field's type
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal, select, tuple_

from dcaas.connection.models import Connection
from dcaas.kit.counting import count_matching
from dcaas.kit.db import CompiledQuery
from dcaas.kit.scim import FieldKind, FilterField
from dcaas.space.models import Space, SpaceMember

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.expression import UnaryExpression

    from dcaas.kit.paging import Cursor, Sort

FILTER_FIELDS: dict[str, FilterField] = {
    "qName": FilterField(Connection.name),
    "qType": FilterField(Connection.q_type),
    "datasourceID": FilterField(Connection.data_source_id),
    "created": FilterField(Connection.created, FieldKind.DATETIME),
    "updated": FilterField(Connection.updated, FieldKind.DATETIME),
}
SORT_FIELDS = ("qName", "created", "updated", "_id")
_SORT_COLUMNS = {
    "qName": Connection.name,
    "created": Connection.created,
    "updated": Connection.updated,
    "_id": Connection.id,
}


# Built once: constructing the expression costs more than running it on a primary key.
_WITH_SPACE = (
    select(Connection, Space)
    .join(Space, Space.id == Connection.space_id)
    .where(
        Connection.tenant_id == bindparam("tenant_id"),
        Connection.id == bindparam("connection_id"),
    )
)


# What answering a connection needs: its columns, its space's type and owner, and the
# caller's roles there (LEFT JOIN: none when not a member); one row per connection.
_ROW_COLUMNS = (
    Connection.id,
    Connection.tenant_id,
    Connection.space_id,
    Connection.owner_id,
    Connection.name,
    Connection.data_source_id,
    Connection.q_type,
    Connection.connect_statement,
    Connection.properties,
    Connection.tags,
    Connection.log_on,
    Connection.architecture,
    Connection.separate_credentials,
    Connection.credential_id,
    Connection.auth_status,
    Connection.version,
    Connection.created,
    Connection.updated,
    Space.type.label("space_type"),
    Space.owner_id.label("space_owner_id"),
    SpaceMember.roles.label("roles"),
)


def _rows(user: ColumnElement[str]) -> Select[Any]:
    return (
        select(*_ROW_COLUMNS)
        .join(Space, Space.id == Connection.space_id)
        .outerjoin(
            SpaceMember,
            and_(SpaceMember.space_id == Connection.space_id, SpaceMember.user_id == user),
        )
    )


# A list page: built once (building a statement costs more than running it on an index);
# each page adds its conditions, order and limit.
_LISTED = _rows(bindparam("caller_id"))

# GET one connection: one indexed query run on the driver directly (see CompiledQuery).
_VISIBLE = CompiledQuery(
    _rows(bindparam("user_id")).where(
        Connection.tenant_id == bindparam("tenant_id"),
        Connection.id == bindparam("connection_id"),
    )
)


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    """A connection read for answering (not an ORM object), with what decides who sees it."""

    id: str
    tenant_id: str
    space_id: str
    owner_id: str
    name: str
    data_source_id: str
    q_type: str
    connect_statement: str
    properties: dict[str, Any]
    tags: list[str]
    log_on: int
    architecture: int
    separate_credentials: bool
    credential_id: str | None
    auth_status: str | None
    version: int
    created: datetime
    updated: datetime
    space_type: str
    space_owner_id: str
    roles: list[str] | None  # the caller's roles in the space; None when not a member


def sort_key(sort: Sort, *, case_insensitive: bool) -> ColumnElement[object]:
    column: ColumnElement[object] = _SORT_COLUMNS[sort.field]  # type: ignore[assignment]
    if sort.field == "qName" and case_insensitive:
        column = func.lower(Connection.name)
    return column


class ConnectionRepository:
    """Connections of one tenant: every query starts from ``tenant_id``."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _scope(self) -> ColumnElement[bool]:
        return Connection.tenant_id == self.tenant_id

    async def get(self, connection_id: str) -> Connection | None:
        connection: Connection | None = await self.session.scalar(
            select(Connection).where(self._scope(), Connection.id == connection_id)
        )
        return connection

    async def get_with_space(self, connection_id: str) -> tuple[Connection, Space] | None:
        """A connection and its space in one query (the space decides who may see it)."""
        params = {"tenant_id": self.tenant_id, "connection_id": connection_id}
        row = (await self.session.execute(_WITH_SPACE, params)).first()
        return (row[0], row[1]) if row is not None else None

    async def visible_row(self, connection_id: str, user_id: str) -> ConnectionRow | None:
        """The connection, its space and ``user_id``'s roles there, in one query."""
        found = await _VISIBLE.first(
            self.session, tenant_id=self.tenant_id, connection_id=connection_id, user_id=user_id
        )
        return ConnectionRow(**found) if found is not None else None

    async def by_name(self, name: str, space_ids: Sequence[str]) -> Sequence[Connection]:
        stmt = (
            select(Connection)
            .where(self._scope(), Connection.name == name, Connection.space_id.in_(space_ids))
            .order_by(Connection.created, Connection.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def name_taken(self, space_id: str, name: str, *, exclude_id: str | None = None) -> bool:
        stmt = select(Connection.id).where(
            self._scope(), Connection.space_id == space_id, Connection.name == name
        )
        if exclude_id is not None:
            stmt = stmt.where(Connection.id != exclude_id)
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def exists_anywhere(self, connection_id: str) -> bool:
        """Ids are global keys: a client-chosen qID must not collide with any tenant's."""
        stmt = select(Connection.id).where(Connection.id == connection_id).limit(1)
        return (await self.session.scalar(stmt)) is not None

    async def count(self, conditions: list[ColumnElement[bool]]) -> int:
        """``meta.count``: exact up to a limit, an estimate beyond (see kit/counting.py)."""
        return await count_matching(
            self.session, Connection.__table__, [self._scope(), *conditions]
        )

    async def page(
        self,
        conditions: list[ColumnElement[bool]],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
        case_insensitive: bool,
        user_id: str,
    ) -> list[ConnectionRow]:
        """Up to ``limit + 1`` rows after (or, backwards, before) the cursor, in page order,
        as rows for answering (no ORM objects), with ``user_id``'s roles in each space."""
        key = sort_key(sort, case_insensitive=case_insensitive)
        backwards = cursor is not None and cursor.direction == "prev"
        descending = sort.descending != backwards
        where = [self._scope(), *conditions]
        if cursor is not None:
            # A row-value comparison, so that the (tenant, key, id) index seeks straight to
            # the cursor: "key > v OR (key = v AND id > i)" made PostgreSQL walk from the start.
            mark = tuple_(literal(cursor.value, key.type), literal(cursor.id, Connection.id.type))
            pair = tuple_(key, Connection.id)
            where.append(pair < mark if descending else pair > mark)
        order: list[UnaryExpression[Any]] = (
            [key.desc(), Connection.id.desc()] if descending else [key.asc(), Connection.id.asc()]
        )
        stmt = _LISTED.where(*where).order_by(*order).limit(limit + 1)
        found = await self.session.execute(stmt, {"caller_id": user_id})
        return [ConnectionRow(**row._mapping) for row in found]  # noqa: SLF001 - Row's public mapping view

    async def add(self, connection: Connection) -> Connection:
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def remove(self, connection: Connection) -> None:
        await self.session.delete(connection)
        await self.session.flush()
