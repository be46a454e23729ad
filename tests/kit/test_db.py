"""The unit of work on SQLite: one real transaction, savepoints inside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from dcaas.kit.db import create_engine, session_factory, transaction

if TYPE_CHECKING:
    from pathlib import Path


async def test_a_released_savepoint_is_rolled_back_with_its_transaction(tmp_path: Path) -> None:
    """On SQLite, RELEASE of a savepoint must not commit work the request later abandons."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}")
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        await session.execute(text("CREATE TABLE t (x INTEGER)"))

    async def abandoned_request() -> None:
        async with transaction(sessions) as session:
            async with session.begin_nested():
                await session.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("a later step fails")

    with pytest.raises(RuntimeError):
        await abandoned_request()
    async with transaction(sessions) as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
    await engine.dispose()
