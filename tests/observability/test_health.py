"""GET /health/ready: every registered check, named; failures answer 503 without secrets."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _drop_pg, _fresh_pg_schema, assert_error

from dcaas.app import create_app
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI
    from tests.conftest import Api
    from tests.observability.conftest import Captured


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_ready_when_database_and_keys_work(api: Api) -> None:
    """On a working store, /health/ready is 200 with the database and key provider ok."""
    res = await api.client.get("/health/ready")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "ok"
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "keyProvider": "ok",
    }
    assert res.headers["Cache-Control"] == "no-store"


async def test_database_unreachable_is_503_without_the_dsn(tmp_path: Path, logs: Captured) -> None:
    """A database on a closed port fails the database check only; its password is nowhere."""
    url = f"postgresql://dcaas:pw-Hidden9@127.0.0.1:{closed_port()}/dcaas"
    app = create_app(Settings(data_dir=tmp_path, env="development", database_url=url))
    try:
        async with client(app) as c:
            res = await c.get("/health/ready")
            error = assert_error(res, 503, "DCAAS-9002")
            assert (await c.get("/health/live")).status_code == 200
    finally:
        await app.state.dcaas.engine.dispose()
    assert error["meta"]["failing"] == ["database"]
    checks = error["meta"]["checks"]
    assert checks["database"]["status"] == "failed"
    assert checks["database"]["error"] == "ConnectionRefusedError"
    assert checks["keyProvider"]["status"] == "ok"
    assert "database" in error["detail"]
    for text in (res.text, *logs.outputs()):
        assert "pw-Hidden9" not in text
    assert any(line["logger"].endswith("health") for line in logs.lines())


@pytest.mark.postgres
async def test_dropped_database_is_503(tmp_path: Path) -> None:
    """After the app's PostgreSQL database is dropped, /health/ready turns 503 on database."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        pytest.skip("DCAAS_TEST_POSTGRES_URL is not set")
    url = await _fresh_pg_schema(POSTGRES_URL)
    settings = Settings(data_dir=tmp_path, env="development", database_url=url)
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    try:
        async with client(app) as c:
            assert (await c.get("/health/ready")).status_code == 200
            await _drop_pg(POSTGRES_URL, url)
            # The first check finds its pooled connection closed by the drop; the next one
            # reconnects and finds the database gone.
            first = assert_error(await c.get("/health/ready"), 503, "DCAAS-9002")
            error = assert_error(await c.get("/health/ready"), 503, "DCAAS-9002")
    finally:
        await app.state.dcaas.engine.dispose()
        await _drop_pg(POSTGRES_URL, url)
    assert first["meta"]["failing"] == ["database"]
    assert error["meta"]["failing"] == ["database"]
    assert error["meta"]["checks"]["database"]["error"] == "InvalidCatalogNameError"


@pytest.mark.settings(health_timeout=0.2)
async def test_plugged_in_checks_are_run_and_named(api: Api) -> None:
    """Checks added to app.state.health_checks run too; a hanging one fails on its deadline."""

    async def hangs() -> None:
        await asyncio.sleep(30)

    async def answers() -> None:
        return None

    checks = api.app.state.health_checks  # type: ignore[attr-defined]
    checks["cache"] = answers
    checks["slow"] = hangs
    started = time.perf_counter()
    error = assert_error(await api.client.get("/health/ready"), 503, "DCAAS-9002")
    assert time.perf_counter() - started < 5
    assert error["meta"]["failing"] == ["slow"]
    assert error["meta"]["checks"]["slow"]["error"] == "no answer within 0.2s"
    assert error["meta"]["checks"]["cache"]["status"] == "ok"


async def test_failure_message_stays_in_the_log(api: Api, logs: Captured) -> None:
    """A failing check answers with its exception's type; the message goes to the log only."""

    async def broken() -> None:
        raise RuntimeError("cannot reach redis://:redis-pw-3@cache:6379/0")

    api.app.state.health_checks["redis"] = broken  # type: ignore[attr-defined]
    res = await api.client.get("/health/ready", headers={"X-Request-Id": "ready-1"})
    error = assert_error(res, 503, "DCAAS-9002")
    assert error["meta"]["checks"]["redis"]["error"] == "RuntimeError"
    assert "cache:6379" not in res.text
    logged = [line for line in logs.lines() if line.get("requestId") == "ready-1"]
    assert any("cache:6379" in line.get("exception", "") for line in logged)
    for text in (res.text, *logs.outputs()):
        assert "redis-pw-3" not in text
