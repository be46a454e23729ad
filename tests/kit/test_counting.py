"""meta.count: exact while few rows match, never a full count per page when many do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text

from dcaas.connection.models import Connection
from dcaas.kit import counting
from dcaas.kit.counting import count_matching

if TYPE_CHECKING:
    import pytest
    from tests.conftest import Api

URL = "/api/v1/data-connections"


async def _make(api: Api, n: int, prefix: str = "c") -> None:
    for i in range(n):
        body = {
            "qName": f"{prefix}{i}",
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://example.com"},
        }
        made = await api.client.post(URL, json=body, headers=api.h(api.alice))
        assert made.status_code == 201, made.text


def _statements(api: Api) -> list[str]:
    """Statements the reading pool runs from now on (a listener on its engine)."""
    seen: list[str] = []
    engine = api.app.state.dcaas.store.reader.sync_engine  # type: ignore[attr-defined]

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


async def test_a_few_matching_rows_are_counted_exactly(api: Api) -> None:
    """Below the limit the count is exact, and the counting query stops at the limit."""
    await _make(api, 3)
    seen = _statements(api)
    listed = await api.client.get(URL, params={"limit": 1}, headers=api.h(api.alice))
    assert listed.json()["meta"]["count"] == 3
    counts = [s for s in seen if "count(" in s.lower()]
    assert counts
    assert all("LIMIT" in s.upper() for s in counts)


async def test_above_the_limit_no_page_counts_every_row(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the limit, PostgreSQL answers its planner's estimate and counts nothing; SQLite
    counts once and remembers the count (a new row shows only when it is forgotten)."""
    monkeypatch.setattr(counting, "EXACT_UP_TO", 2)
    await _make(api, 4)
    if not api.settings.is_sqlite:  # statistics, as autovacuum would have them
        async with api.app.state.dcaas.store.writer.begin() as conn:  # type: ignore[attr-defined]
            await conn.execute(text("ANALYZE connections"))
    seen = _statements(api)
    first = await api.client.get(URL, params={"limit": 1}, headers=api.h(api.alice))
    count = first.json()["meta"]["count"]
    if api.settings.is_sqlite:
        assert count == 4
        await _make(api, 1, prefix="later")
        again = await api.client.get(URL, params={"limit": 1}, headers=api.h(api.alice))
        assert again.json()["meta"]["count"] == 4  # remembered, not counted again
        assert len([s for s in seen if "count(" in s.lower() and "LIMIT" not in s.upper()]) == 1
    else:
        assert any(s.startswith("EXPLAIN") for s in seen)
        assert not [s for s in seen if "count(" in s.lower()]
        assert count > counting.EXACT_UP_TO


async def test_count_matching_applies_the_conditions(api: Api) -> None:
    """The count honours the conditions it is given (here: one name of three)."""
    await _make(api, 3)
    store = api.app.state.dcaas.store  # type: ignore[attr-defined]
    async with store.read() as session:
        found = await count_matching(session, Connection.__table__, [Connection.name == "c1"])
    assert found == 1
