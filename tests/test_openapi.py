"""Property-based test of the served OpenAPI document with schemathesis (SQLite only).

Every documented operation is called with generated inputs and a valid API key; each answer
must not be a 5xx and must match the document's status codes, content types and schemas.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.internal.conjecture import utils as conjecture_utils
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
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


@pytest.fixture(scope="module")
def app_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    cfg = Settings(
        data_dir=data_dir,
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

    _TOKEN["value"] = asyncio.run(issue())
    yield schemathesis.from_asgi("/api/v1/openapi.json", app)
    asyncio.run(state.engine.dispose())


schema = schemathesis.from_pytest_fixture("app_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    """Every operation answers without 5xx and within its documented status, type and schema."""
    case.call_and_validate(headers={"Authorization": f"Bearer {_TOKEN['value']}"}, checks=CHECKS)
