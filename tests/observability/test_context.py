"""The request id: taken from a well-formed X-Request-Id, otherwise generated; always echoed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import Api


async def test_well_formed_request_id_is_echoed(api: Api) -> None:
    """A caller's well-formed X-Request-Id comes back unchanged."""
    res = await api.client.get("/health/live", headers={"X-Request-Id": "trace-42.a:b_c"})
    assert res.headers["X-Request-Id"] == "trace-42.a:b_c"


@pytest.mark.parametrize(
    "incoming", ["x" * 129, "has space", "semi;colon", "-leading-dash", "ünïcode", ""]
)
async def test_malformed_request_id_is_replaced(api: Api, incoming: str) -> None:
    """An overlong, empty or oddly-charactered X-Request-Id is replaced by a fresh id."""
    res = await api.client.get("/health/live", headers=[("X-Request-Id", incoming.encode())])
    assert res.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", res.headers["X-Request-Id"])


async def test_generated_ids_differ(api: Api) -> None:
    """Without a header, each request gets its own id, also on error answers."""
    first = await api.client.get("/health/live")
    second = await api.client.get("/api/v1/data-connections")
    assert second.status_code == 401
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
