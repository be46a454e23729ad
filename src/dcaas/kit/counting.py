"""``meta.count`` of a list page without counting a million rows on every page.

Qlik documents ``meta.count`` as the "total count of resources being requested" and marks
it optional; ``@qlik/api`` types it ``count?: number`` and nothing in it reads it (paging
follows ``links.next``). dcaas answers:

* the exact number when at most :data:`EXACT_UP_TO` rows match: a count that stops there,
  so it never reads more than that many index entries;
* above that, on PostgreSQL, the planner's estimate of the rows the page's conditions match
  (``EXPLAIN``: statistics, no scan); on SQLite, which has no such estimate and serves one
  process, the exact count, remembered for :data:`REMEMBER_SECONDS` per query.

On PostgreSQL the estimate comes first: when it is above the limit, nothing is counted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache
from sqlalchemy import column, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.sql.visitors import InternalTraversal

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, FromClause, Select
    from sqlalchemy.engine import Dialect
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.compiler import SQLCompiler

EXACT_UP_TO = 10_000
REMEMBER_SECONDS = 60.0
_remembered: TTLCache[tuple[str, str], int] = TTLCache(maxsize=1024, ttl=REMEMBER_SECONDS)


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <select>``, with the select's parameters bound as usual (and,
    like the select, compiled once per shape: SQLAlchemy's statement cache)."""

    inherit_cache = True
    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 - SQLAlchemy's declaration

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> list[Any]:
        # What a cached compilation's result is matched against: the plan's one column.
        return [column("QUERY PLAN")]


@compiles(_Explain, "postgresql")
def _explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


async def count_matching(
    session: AsyncSession, table: FromClause, where: list[ColumnElement[bool]]
) -> int:
    """How many rows of ``table`` match ``where``: exact up to the limit, else an estimate."""
    matching = select(literal(1)).select_from(table).where(*where)
    connection = await session.connection(bind_arguments={"clause": matching})
    postgres = connection.dialect.name == "postgresql"
    estimate = await _estimate(session, matching) if postgres else 0
    if estimate > EXACT_UP_TO:
        return estimate
    capped = select(func.count()).select_from(matching.limit(EXACT_UP_TO + 1).subquery())
    exact = int(await session.scalar(capped) or 0)
    if exact <= EXACT_UP_TO:
        return exact
    if postgres:
        return max(estimate, exact)
    return await _remembered_count(session, matching, connection.dialect)


async def _estimate(session: AsyncSession, matching: Select[Any]) -> int:
    plan = await session.scalar(_Explain(matching))
    if isinstance(plan, str):  # a driver that hands JSON back as text
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"]) if plan else 0


async def _remembered_count(session: AsyncSession, matching: Select[Any], dialect: Dialect) -> int:
    compiled = matching.compile(dialect=dialect)
    key = (str(compiled), repr(sorted(compiled.params.items())))
    found = _remembered.get(key)
    if found is None:
        found = int(
            await session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        )
        _remembered[key] = found
    return found
