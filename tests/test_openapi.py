"""Property-based test of the served OpenAPI document with schemathesis, on both stores.

Every operation (each route of the API is documented: checked below) is called with
generated inputs and a valid API key; each answer must not be a 5xx, must match the
document's status codes, content types and schemas, and every 4xx must be the error
envelope with a stable code and no Python repr. Bounded: 25 examples per operation on
SQLite, 10 on PostgreSQL (which adds its own refusals: NUL, column lengths).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Mount
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _drop_pg, _fresh_pg_schema

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.console import web as console_web
from dcaas.kit.migrate import upgrade
from dcaas.namespaces import canonical_path
from dcaas.observability import EXEMPT_PATHS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ENVELOPE_FIELDS = {"code", "title", "detail", "status", "meta"}
REPR = re.compile(r"<generator|<[^<>]* object at 0x")
# Under /api/ every route is a documented operation but the document and its viewer; outside
# it are only probes and the console's pages, its favicon, the /docs redirect and its assets.
DOCUMENTS = {"/api/v1/openapi.json", "/api/v1/docs"}


def error_envelope(response: Any, case: schemathesis.Case) -> None:
    """Every 4xx is {"errors": [{code, title, detail, status, meta}]} without a repr."""
    del case
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert set(body) == {"errors"}, body
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == ENVELOPE_FIELDS, error
        assert error["status"] == response.status_code, error
        assert re.fullmatch(r"(DCAAS|HTTP)-\d{3,4}", error["code"]), error
        assert not REPR.search(error["detail"]), error


CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope,
)
_TOKEN: dict[str, str] = {}
schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI serves OpenAPI 3.1


def _many_more(self: conjecture_utils.many) -> bool:
    """The old ``many.more()`` protocol on top of ``with many(...) as it: for _ in it``."""
    if self._depth is None:
        self.__enter__()
        self._compat_iter = iter(self)  # type: ignore[attr-defined]
    try:
        next(self._compat_iter)  # type: ignore[attr-defined]
    except StopIteration:
        self.__exit__(None)
        return False
    return True


# hypothesis-jsonschema 0.23.1 (schemathesis 3.x) still calls many.more(), which newer hypothesis
# releases removed; without this every object-schema draw fails with AttributeError.
if not hasattr(conjecture_utils.many, "more"):
    conjecture_utils.many.more = _many_more  # type: ignore[attr-defined]


def _app(data_dir: Path, database_url: str | None, store: str = "sqlite") -> Any:
    cfg = Settings(
        data_dir=data_dir,
        database_url=database_url,
        env="development",
        jwt_hs256_secret="test-secret-test-secret-test-secret-0",
        # One key makes every call: keep the counting (and its headers) but never refuse.
        rate_limit_tier1="1000000/minute",
        rate_limit_tier2="1000000/minute",
        redis_url=None,
    )  # type: ignore[arg-type]
    upgrade(cfg.async_database_url)
    app = create_app(cfg)
    state = app.state.dcaas

    async def issue() -> str:
        token = (await create_key(state.sessions, tenant="acme", user="admin", admin=True)).token
        await state.engine.dispose()  # the test client runs its own event loop
        return token

    _TOKEN[store] = asyncio.run(issue())
    return app


@pytest.fixture(scope="module")
def app_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    app = _app(tmp_path_factory.mktemp("openapi"), None)
    yield schemathesis.from_asgi("/api/v1/openapi.json", app)
    asyncio.run(app.state.dcaas.engine.dispose())


@pytest.fixture(scope="module")
def app_schema_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DCAAS_REQUIRE_POSTGRES=1 but DCAAS_TEST_POSTGRES_URL is not set")
        pytest.skip("DCAAS_TEST_POSTGRES_URL is not set")
    url = asyncio.run(_fresh_pg_schema(POSTGRES_URL))
    app = _app(tmp_path_factory.mktemp("openapi-pg"), url, "postgresql")
    yield schemathesis.from_asgi("/api/v1/openapi.json", app)
    asyncio.run(app.state.dcaas.engine.dispose())
    asyncio.run(_drop_pg(POSTGRES_URL, url))


schema = schemathesis.from_pytest_fixture("app_schema")
schema_pg = schemathesis.from_pytest_fixture("app_schema_pg")
_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=_HEALTH)
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    """Every operation answers without 5xx, within its documented status, type and schema,
    and with the error envelope on every 4xx (SQLite)."""
    case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN['sqlite']}"}, checks=CHECKS)


@schema_pg.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=_HEALTH)
def test_api_conforms_to_its_openapi_on_postgresql(case: schemathesis.Case) -> None:
    """The same on PostgreSQL, with fewer examples per operation."""
    headers = {"Authorization": f"Bearer {_TOKEN['postgresql']}"}
    case.call_and_validate(headers=headers, checks=CHECKS)


def _served(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_every_api_route_is_in_the_document(tmp_path: Path) -> None:
    """No API route hides from the run: each one the app serves under /api/ (the console's
    session endpoints included) is a documented operation; an /api/connectivity alias is
    documented once, as its /api/v1 operation."""
    app = _app(tmp_path, None)
    documented = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    served = {
        (method, canonical_path(path))
        for method, path in _served(app)
        if path.startswith("/api/") and path not in DOCUMENTS
    }
    assert served == documented


def test_routes_outside_the_api_are_probes_and_console_pages(tmp_path: Path) -> None:
    """Nothing answering data lives outside /api/: only probes and the console's own routes
    (its pages, favicon and /docs redirect, which serve no data), and its static assets."""
    app = _app(tmp_path, None)
    pages = {(method, path) for method, path in _served(console_web.router)}
    probes = {("GET", path) for path in EXEMPT_PATHS}
    outside = {(method, path) for method, path in _served(app) if not path.startswith("/api/")}
    assert outside == {r for r in pages | probes if not r[1].startswith("/api/")}
    assert [r.path for r in app.routes if isinstance(r, Mount)] == ["/assets"]
