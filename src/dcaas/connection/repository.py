from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - a dataclass field's type
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    null,
    select,
    union_all,
)

from dcaas.connection.models import Connection, PersonalCredential
from dcaas.connectors import all_data_sources
from dcaas.kit.counting import count_matching
from dcaas.kit.db import CompiledQuery
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase, tenant_scope
from dcaas.kit.scim import FieldKind, FilterField
from dcaas.space.models import Space, SpaceMember

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


def _qri_of(prefix: str, template: str) -> ColumnElement[Any]:
    """SQL for ``prefix + template.format(**properties)``: NULL when a property is missing,
    as the answer's ``qri`` is then absent."""
    expr: ColumnElement[Any] = literal(prefix, String)
    for text, name, _, _ in string.Formatter().parse(template):
        if text:
            expr = expr + literal(text, String)
        if name:
            expr = expr + Connection.properties[name].as_string()
    return expr


_QRI_FIELDS: dict[tuple[tuple[str, str, str], ...], dict[str, FilterField]] = {}


def filter_fields() -> dict[str, FilterField]:
    """:data:`FILTER_FIELDS` and ``qri``, each data source's QRI template in SQL (Qlik marks
    ``qri`` filterable: ``qri co "snowflake"``). Built once per catalog (plugins add sources)."""
    templates = tuple(
        (s.id, s.qri_prefix, s.qri_connection_template) for s in all_data_sources() if s.qri_prefix
    )
    if (fields := _QRI_FIELDS.get(templates)) is None:
        qri: ColumnElement[Any] = (
            case(
                {sid: _qri_of(prefix, template) for sid, prefix, template in templates},
                value=Connection.data_source_id,
                else_=None,
            )
            if templates  # CASE needs one WHEN at least
            else null()
        )
        fields = {**FILTER_FIELDS, "qri": FilterField(qri)}
        _QRI_FIELDS.clear()
        _QRI_FIELDS[templates] = fields
    return fields


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


# What answering a connection needs: its columns, its space's type and owner, the caller's
# roles there (LEFT JOIN: none when not a member) and their own credential for it (LEFT JOIN
# on its primary key: with separated credentials); one row per connection.
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
    # The shared credential, or with separated credentials the caller's own (Qlik's GET
    # shows either); never another user's.
    func.coalesce(Connection.credential_id, PersonalCredential.credential_id).label(
        "credential_id"
    ),
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
        .outerjoin(
            PersonalCredential,
            and_(
                PersonalCredential.connection_id == Connection.id,
                PersonalCredential.user_id == user,
            ),
        )
    )


# A list page: built once (building a statement costs more than running it on an index);
# each page adds its conditions, order and limit.
_LISTED = _rows(bindparam("caller_id"))

# GET one connection: one indexed query run on the driver directly (see CompiledQuery).
_VISIBLE = CompiledQuery(
    _rows(bindparam("user_id")).where(
        tenant_scope(Connection), Connection.id == bindparam("connection_id")
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

    async def visible_row(self, connection_id: str, user_id: str) -> ConnectionRow | None:
        """The connection, its space and ``user_id``'s roles there, in one query."""
        found = await _VISIBLE.first(
            self.session, **self.params(connection_id=connection_id, user_id=user_id)
        )
        return ConnectionRow(**found) if found is not None else None

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
        """``meta.count``: exact up to a limit, an estimate beyond (see kit/counting.py)."""
        return await count_matching(
            self.session, Connection.__table__, [self.readable_clause(), *conditions]
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
    ) -> Sequence[ConnectionRow]:
        """Up to ``limit + 1`` rows after (or, backwards, before) the cursor, nearest first,
        as rows for answering (no ORM objects), with ``user_id``'s roles in each space."""
        stmt = KEYSET.page_of(
            _LISTED.where(self.readable_clause(), *conditions),
            sort=sort,
            cursor=cursor,
            limit=limit,
            case_insensitive=case_insensitive,
        )
        found = await self.session.execute(stmt, {"caller_id": user_id})
        return [ConnectionRow(**row._mapping) for row in found]  # noqa: SLF001 - Row's public mapping view

    async def count_in_space(self, space_id: str) -> int:
        return await self.count_of(self.readable().where(Connection.space_id == space_id))

    async def credential_counts(self, credential_ids: Sequence[str]) -> dict[str, int]:
        """How many of the tenant's connections use each credential (shared or personal)."""
        if not credential_ids:
            return {}
        uses = self._credential_uses().subquery()
        rows = await self.session.execute(
            select(uses.c.credential_id, func.count())
            .where(uses.c.credential_id.in_(credential_ids))
            .group_by(uses.c.credential_id)
        )
        return {cid: n for cid, n in rows.tuples() if cid is not None}

    def credential_ids_in_use(self) -> Select[tuple[str | None]]:
        """The ids of the credentials the tenant's connections use, as a subquery to embed:
        a connection's shared credential, and each user's personal one."""
        uses = self._credential_uses().subquery()
        return select(uses.c.credential_id)

    def _credential_uses(self) -> Any:
        shared = self.scoped(Connection, Connection.credential_id.label("credential_id")).where(
            Connection.credential_id.is_not(None)
        )
        personal = self.scoped(
            PersonalCredential, PersonalCredential.credential_id.label("credential_id")
        )
        return union_all(shared, personal)

    # -- personal credentials of connections with separated credentials ---------------------
    async def personal_credential_id(self, connection_id: str, user_id: str) -> str | None:
        """The credential ``user_id`` brings to the connection, if any."""
        stmt = self.scoped(PersonalCredential, PersonalCredential.credential_id).where(
            PersonalCredential.connection_id == connection_id,
            PersonalCredential.user_id == user_id,
        )
        found: str | None = await self.session.scalar(stmt)
        return found

    async def link_personal(self, connection_id: str, user_id: str, credential_id: str) -> None:
        """``user_id`` uses ``credential_id`` (their own) for the connection from now on."""
        await self.unlink_personal(connection_id, user_id)
        self.session.add(
            PersonalCredential(
                connection_id=connection_id,
                user_id=user_id,
                tenant_id=self.tenant_id,
                credential_id=credential_id,
            )
        )
        await self.session.flush()

    async def unlink_personal(self, connection_id: str, user_id: str | None = None) -> None:
        """Detach ``user_id``'s personal credential (everyone's when None); records stay."""
        stmt = delete(PersonalCredential).where(
            self.scope(PersonalCredential), PersonalCredential.connection_id == connection_id
        )
        if user_id is not None:
            stmt = stmt.where(PersonalCredential.user_id == user_id)
        await self.session.execute(stmt.execution_options(synchronize_session=False))

    async def set_auth_status(self, connection_id: str, status: str) -> None:
        # A status flag, not an edit: no version bump, so concurrent edits do not conflict.
        await self.session.execute(
            self.updating()
            .where(Connection.id == connection_id)
            .values(auth_status=status)
            .execution_options(synchronize_session=False)
        )
