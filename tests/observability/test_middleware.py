"""The request observer: an unexpected error still answers in the envelope with its request id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.conftest import assert_error
from tests.observability.conftest import add_failing_route

if TYPE_CHECKING:
    from tests.conftest import Api
    from tests.observability.conftest import Captured


async def test_unexpected_error_is_logged_once_with_context(api: Api, logs: Captured) -> None:
    """A 500 carries X-Request-Id; its error line and access line carry the id and tenant."""
    path = add_failing_route(api.app)  # type: ignore[arg-type]
    res = await api.client.post(
        path, json={"qName": "x"}, headers={**api.h(api.alice), "X-Request-Id": "boom-1"}
    )
    assert_error(res, 500, "DCAAS-9001")
    assert res.headers["X-Request-Id"] == "boom-1"
    mine = [line for line in logs.lines() if line.get("requestId") == "boom-1"]
    errors = [line for line in mine if "exception" in line]
    assert len(errors) == 1
    assert "RuntimeError" in errors[0]["exception"]
    assert errors[0]["tenantId"]
    access = [line for line in mine if line["logger"] == "dcaas.access"]
    assert [line["status"] for line in access] == [500]
    assert access[0]["route"] == path


async def test_probe_access_lines_are_debug(api: Api, logs: Captured) -> None:
    """Access lines of health probes are DEBUG so that probes do not flood INFO logs."""
    await api.client.get("/health/live", headers={"X-Request-Id": "probe-1"})
    access = [line for line in logs.lines() if line.get("requestId") == "probe-1"]
    assert [line["level"] for line in access] == ["DEBUG"]
