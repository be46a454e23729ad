"""Tenant scope, built in one place: every repository starts its statements here.

A repository is made for one tenant (from the caller's principal) and names its ``model``.
:meth:`RepositoryBase.readable` is every query's start; a repository whose rows belong to one
user (credentials, idempotency keys) narrows it, and :meth:`writable` follows. The predicate
on ``tenant_id`` is written only in :func:`tenant_scope`; a test fails on any other.

The few queries that are global on purpose (an API key found by its hash, a callback found
by its state, ids unique across tenants, the operator's key rotation) do not use this base
and say so where they are written.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, bindparam, delete, func, inspect, select, update

from dcaas.kit.db import Base

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Delete, Select, Update
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.kit.listing import Keyset
    from dcaas.kit.paging import Cursor, Sort

M = TypeVar("M", bound=Base)

TENANT_PARAM = "tenant_id"


@lru_cache(maxsize=8192)
def tenant_scope(model: type[Base], tenant_id: str | None = None) -> ColumnElement[bool]:
    """The rows of ``model`` (which must have a ``tenant_id`` column) that belong to
    ``tenant_id``; without one, to the bound parameter ``TENANT_PARAM``, for a statement
    built once at import and run with :meth:`RepositoryBase.params`.

    Remembered per model and tenant: SQL expressions are immutable and may be shared by
    statements, and building one costs more than a list page's query takes to plan."""
    return _tenant_column(model) == (bindparam(TENANT_PARAM) if tenant_id is None else tenant_id)


@cache
def _tenant_column(model: type[Base]) -> ColumnElement[str]:
    column: ColumnElement[str] = inspect(model).columns[TENANT_PARAM]
    return column


class RepositoryBase(Generic[M]):
    """The rows of ``model`` (and of the domain's other tenant-owned models) of one tenant."""

    model: type[M]

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def scope(self, model: type[Base] | None = None) -> ColumnElement[bool]:
        """The tenant predicate for ``model`` (by default this repository's)."""
        return tenant_scope(model or self.model, self.tenant_id)

    def readable_clause(self) -> ColumnElement[bool]:
        """Which rows the caller may read; a repository of one user's rows narrows it."""
        return self.scope()

    def writable_clause(self) -> ColumnElement[bool]:
        """Which rows the caller may change (by default, those it may read)."""
        return self.readable_clause()

    def readable(self) -> Select[tuple[M]]:
        """The rows the caller may read: the start of every query on ``model``."""
        return select(self.model).where(self.readable_clause())

    def writable(self) -> Select[tuple[M]]:
        """The rows the caller may change."""
        return select(self.model).where(self.writable_clause())

    def updating(self) -> Update:
        """An UPDATE of ``model`` limited to the rows the caller may change."""
        return update(self.model).where(self.writable_clause())

    def deleting(self) -> Delete:
        """A DELETE of ``model`` limited to the rows the caller may change."""
        return delete(self.model).where(self.writable_clause())

    def scoped(self, model: type[Base], *columns: Any) -> Select[Any]:
        """The tenant's rows of another model of the same domain (or some of its columns)."""
        return select(*(columns or (model,))).where(self.scope(model))

    def params(self, **values: Any) -> dict[str, Any]:
        """Parameters for a statement built once with :func:`tenant_scope` (no tenant given)."""
        return {TENANT_PARAM: self.tenant_id, **values}

    async def one(self, statement: Select[tuple[M]]) -> M | None:
        found: M | None = await self.session.scalar(statement)
        return found

    async def all(self, statement: Select[tuple[M]]) -> Sequence[M]:
        return (await self.session.scalars(statement)).all()

    async def count_of(self, statement: Select[Any]) -> int:
        """How many rows ``statement`` (a scoped select) matches."""
        counting = statement.with_only_columns(func.count(), maintain_column_froms=True)
        counting = counting.order_by(None)
        return int(await self.session.scalar(counting) or 0)

    async def page_where(
        self,
        keyset: Keyset,
        *conditions: ColumnElement[bool] | None,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Sequence[M]:
        """Up to ``limit + 1`` readable rows meeting ``conditions``, after (or, backwards,
        before) the cursor in ``keyset``'s order, nearest first."""
        stmt = self.readable().where(*(c for c in conditions if c is not None))
        return await self.all(keyset.page_of(stmt, sort=sort, cursor=cursor, limit=limit))

    async def count_where(self, *conditions: ColumnElement[bool] | None) -> int:
        """How many readable rows meet ``conditions``."""
        return await self.count_of(self.readable().where(*(c for c in conditions if c is not None)))

    async def add(self, row: M) -> M:
        self.session.add(row)
        await self.session.flush()
        return row

    async def remove(self, row: M) -> None:
        await self.session.delete(row)
        await self.session.flush()
