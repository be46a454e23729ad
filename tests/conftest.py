"""Fixtures: a real app on a real database (SQLite file, and PostgreSQL when configured).

PostgreSQL tests run when DCAAS_TEST_POSTGRES_URL is set; with DCAAS_REQUIRE_POSTGRES=1
(as CI sets it) an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade

POSTGRES_URL = os.environ.get("DCAAS_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("DCAAS_REQUIRE_POSTGRES") == "1"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _stores() -> list[object]:
    stores: list[object] = ["sqlite"]
    if POSTGRES_URL or REQUIRE_POSTGRES:
        stores.append(pytest.param("postgresql", marks=pytest.mark.postgres))
    return stores


async def _fresh_pg_schema(base_url: str) -> str:
    """A throwaway PostgreSQL database per test app, dropped afterwards by the fixture."""
    name = "dcaas_t_" + uuid.uuid4().hex[:12]
    admin = create_async_engine(base_url.replace("postgresql://", "postgresql+asyncpg://"),
                                isolation_level="AUTOCOMMIT")  # fmt: skip
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


async def _drop_pg(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_async_engine(base_url.replace("postgresql://", "postgresql+asyncpg://"),
                                isolation_level="AUTOCOMMIT")  # fmt: skip
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


@pytest.fixture(params=_stores())
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    store = request.param
    db_url = None
    if store == "postgresql":
        if not POSTGRES_URL:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        try:
            db_url = await _fresh_pg_schema(POSTGRES_URL)
        except OSError as exc:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
            pytest.skip(f"PostgreSQL unreachable: {exc}")
    marker = request.node.get_closest_marker("settings")  # @pytest.mark.settings(sql_echo=True)
    settings = Settings(data_dir=tmp_path, database_url=db_url, env="development",
                        jwt_hs256_secret="test-secret-test-secret-test-secret-0",  # type: ignore[arg-type]
                        **(marker.kwargs if marker else {}))  # fmt: skip
    await asyncio.to_thread(upgrade, settings.async_database_url)
    app = create_app(settings)
    state = app.state.dcaas
    keys = {}
    for tenant, user, admin in (("acme", "admin", True), ("acme", "alice", False),
                                ("acme", "bob", False), ("evil", "mallory", False)):  # fmt: skip
        keys[user] = (await create_key(state.sessions, tenant=tenant, user=user, admin=admin)).token
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, settings, keys["admin"], keys["alice"], keys["bob"], keys["mallory"], app)
    await state.engine.dispose()
    if db_url and POSTGRES_URL:
        await _drop_pg(POSTGRES_URL, db_url)


@pytest.fixture
def shared_specs() -> Iterator[Path]:
    path = SHARED / "specs" / "qlik"
    if not path.exists():
        pytest.skip("../shared/specs/qlik is not beside the checkout")
    yield path


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
    return error
