"""With the default outbound policy, connectors refuse internal targets (DCAAS-6002)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"
INTERNAL = ["127.0.0.1", "169.254.169.254", "10.0.0.1", "[::1]", "localhost"]


@pytest.fixture(autouse=True)
def _default_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network is allowed beyond public addresses, whatever the environment says."""
    monkeypatch.delenv("DCAAS_OUTBOUND_ALLOW", raising=False)


async def first_failure(api: Api, body: dict[str, Any]) -> tuple[str, str, str]:
    """Test a definition; the failed step's name, code and failure class."""
    res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "failed"
    failed = [s for s in res.json()["steps"] if s["status"] == "failed"]
    assert len(failed) == 1
    return failed[0]["name"], failed[0]["code"], failed[0]["failureClass"]


@pytest.mark.parametrize("host", INTERNAL)
async def test_rest_to_internal_address_is_refused(api: Api, host: str) -> None:
    """A REST URL on loopback, metadata, private or IPv6 loopback fails at resolve-host."""
    body = {
        "qName": "x",
        "datasourceID": "rest",
        "connectionProperties": {"url": f"http://{host}:8080/latest/meta-data"},
    }
    assert await first_failure(api, body) == ("resolve-host", "DCAAS-6002", "fix-configuration")


@pytest.mark.parametrize("source", ["postgresql", "mysql"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "169.254.169.254"])
async def test_sql_to_internal_address_is_refused(api: Api, source: str, host: str) -> None:
    """A SQL host on loopback (also by name) or the metadata address fails at resolve-host."""
    body = {
        "qName": "x",
        "datasourceID": source,
        "connectionProperties": {
            "host": host,
            "database": "test",
            "username": "root",
            "password": "pw-Xx1",
        },
    }
    assert await first_failure(api, body) == ("resolve-host", "DCAAS-6002", "fix-configuration")


async def test_browse_of_refused_target_is_400(api: Api) -> None:
    """Browsing a saved connection to 127.0.0.1 answers 400 DCAAS-6002 in the envelope."""
    body = {
        "qName": "x",
        "datasourceID": "postgresql",
        "connectionProperties": {"host": "127.0.0.1", "database": "test", "username": "postgres"},
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    res = await api.client.get(f"{URL}/{res.json()['qID']}/browse", headers=api.h(api.alice))
    assert res.status_code == 400
    error = res.json()["errors"][0]
    assert (error["code"], error["meta"]["failureClass"]) == ("DCAAS-6002", "fix-configuration")
