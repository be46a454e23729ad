"""Key tests: a store (SQLite file or a fresh PostgreSQL database) and helpers over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _drop_pg, _fresh_pg_schema, _stores

from dcaas.config import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


@pytest.fixture(params=_stores())
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings naming a data dir and an empty database (SQLite there, or PostgreSQL)."""
    db_url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        try:
            db_url = await _fresh_pg_schema(POSTGRES_URL)
        except OSError as exc:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
            pytest.skip(f"PostgreSQL unreachable: {exc}")
    (tmp_path / "data").mkdir()
    yield Settings(data_dir=tmp_path / "data", database_url=db_url, env="development")
    if db_url and POSTGRES_URL:
        await _drop_pg(POSTGRES_URL, db_url)
