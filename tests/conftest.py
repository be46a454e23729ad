"""Fixtures: a real app on a real database (SQLite file, and PostgreSQL when configured).

PostgreSQL tests run when DCAAS_TEST_POSTGRES_URL is set; with DCAAS_REQUIRE_POSTGRES=1
(as CI sets it) an unreachable PostgreSQL fails the run instead of skipping. Redis tests work
the same way with DCAAS_TEST_REDIS_URL and DCAAS_REQUIRE_REDIS=1; each test gets its own key
prefix so parallel runs on one Redis do not count each other's requests.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tests import log_guard

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade

POSTGRES_URL = os.environ.get("DCAAS_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("DCAAS_REQUIRE_POSTGRES") == "1"
REDIS_URL = os.environ.get("DCAAS_TEST_REDIS_URL")
REQUIRE_REDIS = os.environ.get("DCAAS_REQUIRE_REDIS") == "1"
TEST_SECRET = "test-secret-test-secret-test-secret-0"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REPR = re.compile(r"<generator|<[^<>]* object at 0x|<(?:function|bound method) ")


def _stores() -> list[object]:
    stores: list[object] = ["sqlite"]
    if POSTGRES_URL or REQUIRE_POSTGRES:
        stores.append(pytest.param("postgresql", marks=pytest.mark.postgres))
    return stores


async def _fresh_pg_schema(base_url: str) -> str:
    """A throwaway PostgreSQL database per test app, dropped afterwards by the fixture."""
    name = "dcaas_t_" + uuid.uuid4().hex[:12]
    admin = create_async_engine(
        base_url.replace("postgresql://", "postgresql+asyncpg://"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


async def _drop_pg(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(
        base_url.replace("postgresql://", "postgresql+asyncpg://"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@dataclass
class Api:
    """A running app with a client and keys for two users of tenant A and one of tenant B."""

    client: httpx.AsyncClient
    settings: Settings
    admin: str
    alice: str
    bob: str
    mallory: str  # another tenant
    app: object

    def h(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@asynccontextmanager
async def running_api(store: str, tmp_path: Path, **overrides: Any) -> AsyncIterator[Api]:
    """An app on a fresh store (``sqlite`` or ``postgresql``) with the four users' keys."""
    db_url = None
    await asyncio.to_thread(tmp_path.mkdir, parents=True, exist_ok=True)
    if store == "postgresql":
        if not POSTGRES_URL:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        try:
            db_url = await _fresh_pg_schema(POSTGRES_URL)
        except OSError as exc:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
            pytest.skip(f"PostgreSQL unreachable: {exc}")
    chosen = {
        "data_dir": tmp_path,
        "database_url": db_url,
        "env": "development",
        # Production's outbound policy unless a test allows more (DCAAS_OUTBOUND_ALLOW or an
        # override): the development profile's default would let every test reach loopback.
        "outbound_allow": os.environ.get("DCAAS_OUTBOUND_ALLOW", ""),
        "public_url": "http://testserver",  # the test client's base URL: links point there
        "jwt_hs256_secret": TEST_SECRET,
        "redis_url": None,
        **overrides,
    }
    settings = Settings(**chosen)
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    state = app.state.dcaas
    keys = {}
    for tenant, user, admin in (
        ("acme", "admin", True),
        ("acme", "alice", False),
        ("acme", "bob", False),
        ("evil", "mallory", False),
    ):
        keys[user] = (await create_key(state.sessions, tenant=tenant, user=user, admin=admin)).token
        log_guard.remember(keys[user].partition("_")[2].partition("_")[2])
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(
                client, settings, keys["admin"], keys["alice"], keys["bob"], keys["mallory"], app
            )
    finally:
        await state.engine.dispose()
        if db_url and POSTGRES_URL:
            await _drop_pg(POSTGRES_URL, db_url)


ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture(params=_stores())
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    marker = request.node.get_closest_marker("settings")  # @pytest.mark.settings(sql_echo=True)
    async with running_api(request.param, tmp_path, **(marker.kwargs if marker else {})) as running:
        yield running


@pytest.fixture(params=_stores())
def api_with(request: pytest.FixtureRequest, tmp_path: Path) -> ApiFactory:
    """Like ``api``, for tests that choose settings: ``async with api_with(x=1) as api``."""
    counter = iter(range(1000))

    def build(**overrides: Any) -> AbstractAsyncContextManager[Api]:
        return running_api(request.param, tmp_path / f"app{next(counter)}", **overrides)

    return build


@pytest.fixture
def redis_url() -> str:
    """The test Redis (DCAAS_TEST_REDIS_URL); skipped without it unless DCAAS_REQUIRE_REDIS=1."""
    if not REDIS_URL:
        if REQUIRE_REDIS:
            pytest.fail("DCAAS_REQUIRE_REDIS=1 but DCAAS_TEST_REDIS_URL is not set")
        pytest.skip("DCAAS_TEST_REDIS_URL is not set")
    host, _, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    try:
        socket.create_connection((host, int(port or 6379)), timeout=3).close()
    except OSError as exc:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required but unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix no other test (or other engineer's run) shares."""
    return "dcaas-test-" + uuid.uuid4().hex


@pytest.fixture
def shared_specs() -> Path:
    path = SHARED / "specs" / "qlik"
    if not path.exists():
        pytest.skip("../shared/specs/qlik is not beside the checkout")
    return path


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Check the error envelope, its status and (when given) its code; return the first error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"]
    error = body["errors"][0]
    assert set(error) == {"code", "title", "detail", "status", "meta"}
    assert error["status"] == status
    if code is not None:
        assert error["code"] == code
    assert not REPR.search(error["detail"]), error["detail"]  # no Python repr reaches a client
    return error
