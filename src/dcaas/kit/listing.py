"""Keyset paging: the cursor condition, the look-ahead row, and the next and prev cursors."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, literal, tuple_

from dcaas.kit.paging import Cursor, Page, Sort

T = TypeVar("T")


def cursor_value(item: Any, field: str, *, case_insensitive: bool = False) -> Any:
    value = getattr(item, {"qName": "name", "_id": "id"}.get(field, field))
    return value.lower() if case_insensitive and isinstance(value, str) else value


async def keyset_page(
    repo: Any,
    condition: ColumnElement[bool] | None,
    *,
    sort: Sort,
    cursor: Cursor | None,
    limit: int,
) -> Page[Any]:
    """A page of a simple model with columns ``name``, ``created``, ``updated``, ``id``."""
    model = repo.model
    column = getattr(model, {"qName": "name", "_id": "id"}.get(sort.field, sort.field))
    backwards = cursor is not None and cursor.direction == "prev"
    descending = sort.descending != backwards
    where = condition
    if cursor is not None:
        # Row values: the (tenant, key, id) index seeks straight to the cursor.
        mark = tuple_(literal(cursor.value, column.type), literal(cursor.id, model.id.type))
        pair = tuple_(column, model.id)
        keyset = pair < mark if descending else pair > mark
        where = keyset if where is None else and_(where, keyset)
    order = [column.desc(), model.id.desc()] if descending else [column.asc(), model.id.asc()]
    rows = list(await repo.page(where, order=order, limit=limit + 1))
    return assemble(rows, sort=sort, cursor=cursor, limit=limit, count=await repo.count(condition))


def assemble(
    rows: list[T],
    *,
    sort: Sort,
    cursor: Cursor | None,
    limit: int,
    count: int,
    case_insensitive: bool = False,
) -> Page[T]:
    """Trim the look-ahead row, restore page order, and make the next and prev cursors."""
    backwards = cursor is not None and cursor.direction == "prev"
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = (more and not backwards) or backwards
    has_prev = (more and backwards) or (cursor is not None and not backwards)

    def make(item: T, direction: str) -> Cursor:
        value = cursor_value(item, sort.field, case_insensitive=case_insensitive)
        return Cursor(sort.token, value, str(getattr(item, "id", "")), direction)  # type: ignore[arg-type]

    return Page(
        items=rows,
        next=make(rows[-1], "next") if rows and has_next else None,
        prev=make(rows[0], "prev") if rows and has_prev else None,
        count=count,
    )
