"""A database connection the server drops, or none coming free: 503 for that request (never a
500), then service as usual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from sqlalchemy import text
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, assert_error, running_api

from dcaas.kit import db

if TYPE_CHECKING:
    from pathlib import Path


async def test_a_dropped_database_connection_answers_503_then_recovers(tmp_path: Path) -> None:
    """PostgreSQL terminates the pooled connection: that request 503 (not 500), then 200s."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        pytest.skip("needs PostgreSQL (DCAAS_TEST_POSTGRES_URL)")
    async with running_api("postgresql", tmp_path) as api:
        state: Any = api.app.state.dcaas  # type: ignore[attr-defined]
        await state.engine.dispose()  # one pooled connection from here on
        listed = await api.client.get("/api/v1/data-connections", headers=api.h(api.alice))
        assert listed.status_code == 200
        database = state.engine.url.database
        killer = await asyncpg.connect(POSTGRES_URL)
        try:
            killed = await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await killer.close()
        assert killed == 1
        statuses = []
        for _ in range(3):
            answer = await api.client.get("/api/v1/data-connections", headers=api.h(api.alice))
            if answer.status_code != 200:
                assert_error(answer, 503)
            statuses.append(answer.status_code)
        assert statuses == [503, 200, 200]


async def test_a_write_that_waits_too_long_for_the_writer_answers_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: writes queue for the one writing connection; past the wait, 503 DCAAS-8004."""
    monkeypatch.setitem(db._SQLITE_WRITER, "pool_timeout", 0.5)
    async with running_api("sqlite", tmp_path) as api:
        state: Any = api.app.state.dcaas  # type: ignore[attr-defined]
        body = {
            "qName": "w",
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://e.com"},
        }
        async with state.sessions() as holder:
            await holder.execute(text("SELECT 1"))  # holds the writing connection
            waited = await api.client.post(
                "/api/v1/data-connections", json=body, headers=api.h(api.alice)
            )
        assert_error(waited, 503, "DCAAS-8004")
        assert waited.headers["Retry-After"] == "1"
        after = await api.client.post(
            "/api/v1/data-connections", json=body, headers=api.h(api.alice)
        )
        assert after.status_code == 201, after.text
