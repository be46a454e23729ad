"""Inputs that no store can take are refused with 400/401, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import time

import jwt
from tests.conftest import Api, assert_error

SECRET = "test-secret-test-secret-test-secret-0"


async def test_nul_in_body_is_refused(api: Api) -> None:
    """A NUL character anywhere in a JSON body is a 400, not a database error."""
    res = await api.client.post(
        "/api/v1/data-connections",
        headers=api.h(api.alice),
        json={
            "datasourceID": "rest",
            "qName": "a\u0000b",
            "connectionProperties": {"url": "https://e.com"},
        },
    )
    assert_error(res, 400, "DCAAS-1010")


async def test_nul_in_url_is_refused(api: Api) -> None:
    """A NUL in a path or query parameter is a 400 before it reaches a query."""
    res = await api.client.get("/api/v1/data-connections?spaceId=%00", headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-1004")
    res = await api.client.get(
        "/api/v1/data-connections/a%00?type=connectionname", headers=api.h(api.alice)
    )
    assert_error(res, 400, "DCAAS-1004")


async def test_overlong_data_source_id_and_qtype_are_refused(api: Api) -> None:
    """datasourceID and qType longer than the store keeps are a 400 naming the field."""
    body = {
        "qName": "c",
        "qType": "X" * 129,
        "datasourceID": "d" * 129,
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=X;"',
    }
    error = assert_error(
        await api.client.post("/api/v1/data-connections", headers=api.h(api.alice), json=body), 400
    )
    assert error["meta"]["field"] in ("qType", "datasourceID")


async def test_jwt_with_unusable_tenant_claim_is_refused(api: Api) -> None:
    """A signed token whose tenant claim is too long or holds NUL is a 401, not a 500."""
    for tenant in ("t" * 65, "a\u0000b", ""):
        token = jwt.encode(
            {"sub": "u", "tenantId": tenant, "exp": int(time.time()) + 60},
            SECRET,
            algorithm="HS256",
        )
        res = await api.client.get("/api/v1/data-sources", headers=api.h(token))
        assert_error(res, 401, "DCAAS-5002")
