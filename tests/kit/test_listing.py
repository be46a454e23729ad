"""Keyset paging on a table of its own: every sort walks forward and back over the same pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import DateTime, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dcaas.kit.listing import Keyset
from dcaas.kit.paging import Cursor, Page, Sort

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    created: Mapped[datetime] = mapped_column(DateTime())


KEYSET = Keyset(
    {"qName": Item.name, "created": Item.created, "_id": Item.id},
    Item.id,
    folded=frozenset({"qName"}),
)
# Mixed case and ties (five rows share each name and each time), so order needs the id.
START = datetime(2024, 1, 1)  # noqa: DTZ001 - a naive column
NAMES = ["alpha", "Beta", "gamma", "Delta", "epsilon"]
ROWS = [(f"i{n:02d}", NAMES[n % 5], START + timedelta(days=n // 5)) for n in range(23)]


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        s.add_all(Item(id=i, name=name, created=created) for i, name, created in ROWS)
        await s.commit()
        yield s
    await engine.dispose()


async def _page(
    session: AsyncSession, sort: Sort, cursor: Cursor | None, *, folded: bool
) -> Page[Item]:
    stmt = KEYSET.page_of(select(Item), sort=sort, cursor=cursor, limit=5, case_insensitive=folded)
    rows = (await session.scalars(stmt)).all()
    return KEYSET.assemble(
        rows, sort=sort, cursor=cursor, limit=5, count=len(ROWS), case_insensitive=folded
    )


def _expected(sort: Sort, *, folded: bool) -> list[str]:
    column = {"qName": 1, "created": 2, "_id": 0}[sort.field]

    def key(row: tuple[str, str, datetime]) -> tuple[object, str]:
        value = row[column]
        return (value.lower() if folded and isinstance(value, str) else value), row[0]

    return [row[0] for row in sorted(ROWS, key=key, reverse=sort.descending)]


@pytest.mark.parametrize("field", ["qName", "created", "_id"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("folded", [False, True])
async def test_forward_then_back_over_the_same_pages(
    session: AsyncSession, field: str, descending: bool, folded: bool
) -> None:
    """links.next walks every row once in sort order; links.prev walks back page by page."""
    sort = Sort(field, descending)
    forward, page = [], await _page(session, sort, None, folded=folded)
    assert page.prev is None
    while True:
        forward.append([i.id for i in page.items])
        if page.next is None:
            break
        page = await _page(session, sort, page.next, folded=folded)
    assert [i for p in forward for i in p] == _expected(sort, folded=folded)
    assert [len(p) for p in forward] == [5, 5, 5, 5, 3]
    backward = [forward[-1]]
    while page.prev is not None:
        page = await _page(session, sort, page.prev, folded=folded)
        backward.append([i.id for i in page.items])
    assert backward[::-1] == forward


async def test_cursor_carries_the_sort_and_the_folded_value(session: AsyncSession) -> None:
    """A cursor names its sort order, and a case-insensitive one keeps the lowered name."""
    page = await _page(session, Sort("qName", descending=False), None, folded=True)
    assert page.next is not None
    assert page.next.sort == "+qName"
    assert page.next.value == page.items[-1].name.lower()
    assert page.next.id == page.items[-1].id


def test_sort_fields_are_the_declared_ones() -> None:
    """The fields a list may sort by are the Keyset's, in declaration order."""
    assert KEYSET.sort_fields == ("qName", "created", "_id")
