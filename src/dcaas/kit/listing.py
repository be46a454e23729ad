"""Keyset paging, written once: a page is found by the last (sort value, id) seen, never by
offset, so a page deep in a million rows costs what the first one does.

A repository declares how its model pages (:class:`Keyset`: the API's sort fields and their
columns); it narrows its scoped statement to a page with :meth:`Keyset.page_of`, and the service
turns the rows into a :class:`~dcaas.kit.paging.Page` with :meth:`Keyset.assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, func, literal, tuple_

from dcaas.kit.paging import Cursor, Direction, Page

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Select
    from sqlalchemy.orm import InstrumentedAttribute

    from dcaas.kit.paging import Sort

T = TypeVar("T")
R = TypeVar("R", bound=tuple[Any, ...])


@dataclass(frozen=True)
class Keyset:
    """How one model pages: each sort field of the API and its column, and the id column
    that breaks ties. ``folded`` fields compare lower-cased when the caller asks for it."""

    fields: Mapping[str, InstrumentedAttribute[Any]]
    id: InstrumentedAttribute[str]
    folded: frozenset[str] = field(default_factory=frozenset)

    @property
    def sort_fields(self) -> tuple[str, ...]:
        return tuple(self.fields)

    def key(self, sort: Sort, *, case_insensitive: bool = False) -> ColumnElement[Any]:
        column: ColumnElement[Any] = self.fields[sort.field].expression
        if case_insensitive and sort.field in self.folded:
            column = func.lower(column)
        return column

    def page_of(
        self,
        statement: Select[R],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
        case_insensitive: bool = False,
    ) -> Select[R]:
        """``statement`` narrowed to up to ``limit + 1`` rows after (going back: before) the
        cursor, nearest first; the extra row tells whether there is more."""
        key = self.key(sort, case_insensitive=case_insensitive)
        descending = sort.descending != _backwards(cursor)
        if cursor is not None:
            # A row-value comparison, so that the (tenant, key, id) index seeks straight to
            # the cursor: "key > v OR (key = v AND id > i)" made PostgreSQL walk from the start.
            mark = tuple_(literal(cursor.value, key.type), literal(cursor.id, self.id.type))
            pair = tuple_(key, self.id)
            statement = statement.where(pair < mark if descending else pair > mark)
        order = (key.desc(), self.id.desc()) if descending else (key.asc(), self.id.asc())
        return statement.order_by(*order).limit(limit + 1)

    def assemble(
        self,
        rows: Sequence[T],
        *,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
        count: int,
        case_insensitive: bool = False,
    ) -> Page[T]:
        """Trim the look-ahead row, restore page order, and make the next and prev cursors."""
        backwards = _backwards(cursor)
        more = len(rows) > limit
        items = list(rows[:limit])
        if backwards:
            items.reverse()
        has_next = more or backwards
        has_prev = (more and backwards) or (cursor is not None and not backwards)
        fold = case_insensitive and sort.field in self.folded

        def make(item: T, direction: Direction) -> Cursor:
            value = getattr(item, self.fields[sort.field].key)
            if fold and isinstance(value, str):
                value = value.lower()
            return Cursor(sort.token, value, str(getattr(item, self.id.key)), direction)

        return Page(
            items=items,
            next=make(items[-1], "next") if items and has_next else None,
            prev=make(items[0], "prev") if items and has_prev else None,
            count=count,
        )


def _backwards(cursor: Cursor | None) -> bool:
    return cursor is not None and cursor.direction == "prev"
