"""Log lines: one JSON object each, carrying the request's id, tenant and user."""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING

import pytest

from dcaas.observability import configure_logging

if TYPE_CHECKING:
    from tests.conftest import Api
    from tests.observability.conftest import Captured


@pytest.mark.settings(sql_echo=True)
async def test_lines_during_a_request_carry_its_context(api: Api, logs: Captured) -> None:
    """The access line and the SQL lines after authentication carry requestId, tenant, user."""
    headers = {**api.h(api.alice), "X-Request-Id": "req-ctx-1"}
    res = await api.client.get("/api/v1/data-connections", headers=headers)
    assert res.status_code == 200, res.text
    mine = [line for line in logs.lines() if line.get("requestId") == "req-ctx-1"]
    access = [line for line in mine if line["logger"] == "dcaas.access"]
    assert len(access) == 1
    assert access[0]["tenantId"]
    assert access[0]["userId"]
    assert access[0] | {"durationMs": 0} == access[0] | {
        "level": "INFO",
        "message": access[0]["message"],
        "method": "GET",
        "path": "/api/v1/data-connections",
        "route": "/api/v1/data-connections",
        "status": 200,
        "durationMs": 0,
    }
    assert {"timestamp", "level", "logger", "message"} <= set(access[0])
    sql = [line for line in mine if line["logger"] == "sqlalchemy.engine.Engine"]
    assert sql, "lines from other loggers during the request carry its id too"
    assert sql[-1]["tenantId"] == access[0]["tenantId"]


async def test_lines_before_authentication_have_no_tenant(api: Api, logs: Captured) -> None:
    """An unauthenticated request's access line has its requestId but no tenant or user."""
    await api.client.get("/api/v1/data-connections", headers={"X-Request-Id": "anon-1"})
    access = [
        line
        for line in logs.lines()
        if line.get("requestId") == "anon-1" and line["logger"] == "dcaas.access"
    ]
    assert access[0]["status"] == 401
    assert "tenantId" not in access[0]
    assert "userId" not in access[0]


def test_outside_a_request_lines_have_no_request_id(logs: Captured) -> None:
    """A line written outside any request is valid JSON without context fields."""
    logging.getLogger("tests.logs").info("started %d workers", 2)
    line = logs.lines()[-1]
    assert line["message"] == "started 2 workers"
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.logs"
    assert "requestId" not in line


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_configure_logging_installs_one_handler(fmt: str) -> None:
    """configure_logging replaces its own handler on each call and honours the format."""
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    try:
        configure_logging("INFO", "json")
        handler = configure_logging("DEBUG", fmt)  # type: ignore[arg-type]
        assert [h for h in root.handlers if h not in before] == [handler]
        assert root.level == logging.DEBUG
        stream = io.StringIO()
        handler.setStream(stream)  # type: ignore[attr-defined]
        logging.getLogger("tests.logs").info("token=tk-5 sent")
        out = stream.getvalue()
        assert "tk-5" not in out
        if fmt == "json":
            assert json.loads(out)["message"] == "token=*** sent"
        else:
            assert out.rstrip().endswith("INFO tests.logs [-] token=*** sent")
    finally:
        for h in [h for h in root.handlers if h not in before]:
            root.removeHandler(h)
        root.setLevel(level)
