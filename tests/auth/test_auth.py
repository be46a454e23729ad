"""Authentication: API keys (missing, malformed, unknown, revoked, expired) and JWTs."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    import httpx

SECRET = "test-secret-test-secret-test-secret-0"
URL = "/api/v1/data-connections"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check the error envelope, its status and its code; return the single error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"}
    assert len(body["errors"]) >= 1
    error = body["errors"][0]
    assert set(error) == {"code", "title", "detail", "status", "meta"}
    assert error["code"] == code
    assert error["status"] == status
    return error


def assert_401(response: httpx.Response, code: str) -> dict[str, Any]:
    """A 401 in the envelope with the given code and a WWW-Authenticate challenge."""
    error = assert_error(response, 401, code)
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    return error


def token(**claims: Any) -> str:
    """An HS256 token signed with the test secret; defaults give a valid acme user."""
    base: dict[str, Any] = {"tenantId": "acme", "sub": "jwt-user", "exp": int(time.time()) + 600}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET, algorithm="HS256")


def bearer(value: str) -> dict[str, str]:
    """Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {value}"}


async def test_missing_header(api) -> None:
    """No Authorization header is 401 DCAAS-5001."""
    assert_401(await api.client.get(URL), "DCAAS-5001")


async def test_malformed_basic_header(api) -> None:
    """A Basic scheme is rejected as an invalid token."""
    r = await api.client.get(URL, headers={"Authorization": "Basic x"})
    assert_401(r, "DCAAS-5002")


async def test_malformed_bearer_without_token(api) -> None:
    """'Bearer' with no token is rejected."""
    r = await api.client.get(URL, headers={"Authorization": "Bearer"})
    error = assert_401(r, r.json()["errors"][0]["code"])
    assert error["code"] in ("DCAAS-5001", "DCAAS-5002")


async def test_unknown_api_key(api) -> None:
    """A well-formed but unknown API key is 401."""
    fake = api.alice[:-6] + ("AAAAAA" if not api.alice.endswith("AAAAAA") else "BBBBBB")
    r = await api.client.get(URL, headers=bearer(fake))
    error = assert_401(r, r.json()["errors"][0]["code"])
    assert error["code"] in ("DCAAS-5001", "DCAAS-5002")


async def test_known_key_works(api) -> None:
    """The fixture's keys authenticate."""
    r = await api.client.get(URL, headers=api.h(api.alice))
    assert r.status_code == 200, r.text


async def test_revoked_key(api) -> None:
    """A key revoked through DELETE /api/v1/api-keys/{id} stops working at once (DCAAS-5004)."""
    r = await api.client.post(
        "/api/v1/api-keys", json={"description": "tmp"}, headers=api.h(api.alice)
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (await api.client.get(URL, headers=bearer(created["token"]))).status_code == 200
    r = await api.client.delete(f"/api/v1/api-keys/{created['id']}", headers=api.h(api.alice))
    assert r.status_code == 204, r.text
    assert_401(await api.client.get(URL, headers=bearer(created["token"])), "DCAAS-5004")


async def test_expired_key(api) -> None:
    """A key past its expiry is 401 DCAAS-5003."""
    expiry = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    r = await api.client.post(
        "/api/v1/api-keys",
        json={"description": "short", "expiry": expiry},
        headers=api.h(api.alice),
    )
    assert r.status_code == 201, r.text
    key = r.json()["token"]
    assert (await api.client.get(URL, headers=bearer(key))).status_code == 200
    await asyncio.sleep(2.5)
    assert_401(await api.client.get(URL, headers=bearer(key)), "DCAAS-5003")


async def test_key_with_past_expiry_rejected(api) -> None:
    """Creating a key that expires in the past is 400 DCAAS-1001 on field expiry."""
    expiry = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = await api.client.post("/api/v1/api-keys", json={"expiry": expiry}, headers=api.h(api.alice))
    assert assert_error(r, 400, "DCAAS-1001")["meta"]["field"] == "expiry"


async def test_valid_jwt_provisions_user(api) -> None:
    """A valid HS256 JWT works and provisions its user, who can create a connection."""
    headers = bearer(token(sub="carol"))
    r = await api.client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["count"] == 0
    body = {
        "qName": "jwt-conn",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://x.example/a"},
    }
    r = await api.client.post(URL, json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["tenant"] == "acme"
    r = await api.client.get("/api/v1/api-keys", headers=headers)
    assert r.status_code == 200, r.text


async def test_jwt_user_isolated_from_other_users(api) -> None:
    """A JWT-provisioned user cannot see alice's personal connection."""
    body = {
        "qName": "alice-only",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://x.example/a"},
    }
    r = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert r.status_code == 201, r.text
    r = await api.client.get(f"{URL}/{r.json()['id']}", headers=bearer(token(sub="dave")))
    assert_error(r, 404, "DCAAS-3001")


async def test_expired_jwt(api) -> None:
    """An expired JWT (past the leeway) is 401 DCAAS-5003."""
    r = await api.client.get(URL, headers=bearer(token(exp=int(time.time()) - 3600)))
    assert_401(r, "DCAAS-5003")


async def test_wrongly_signed_jwt(api) -> None:
    """A JWT signed with another secret is 401 DCAAS-5002."""
    bad = jwt.encode(
        {"tenantId": "acme", "sub": "x", "exp": int(time.time()) + 600},
        "another-secret-another-secret-00",
        algorithm="HS256",
    )
    assert_401(await api.client.get(URL, headers=bearer(bad)), "DCAAS-5002")


async def test_jwt_missing_tenant(api) -> None:
    """A JWT without the tenantId claim is 401 DCAAS-5002."""
    r = await api.client.get(URL, headers=bearer(token(tenantId=None)))
    assert "tenantId" in assert_401(r, "DCAAS-5002")["detail"]


async def test_jwt_missing_exp(api) -> None:
    """A JWT without exp is 401 DCAAS-5002."""
    r = await api.client.get(URL, headers=bearer(token(exp=None)))
    assert_401(r, "DCAAS-5002")


async def test_jwt_alg_none(api) -> None:
    """An unsigned JWT (alg none) is 401 DCAAS-5002."""
    unsigned = jwt.encode(
        {"tenantId": "acme", "sub": "x", "exp": int(time.time()) + 600}, None, algorithm="none"
    )
    assert_401(await api.client.get(URL, headers=bearer(unsigned)), "DCAAS-5002")


async def test_garbage_bearer_token(api) -> None:
    """A bearer token that is neither an API key nor a JWT is 401 DCAAS-5002."""
    assert_401(await api.client.get(URL, headers=bearer("not-a-token")), "DCAAS-5002")


async def test_mistyped_api_key_says_what_a_key_looks_like(api) -> None:
    """A token that is neither dcaas_... nor a JWT: 401 naming the dcaas_ prefix, not JWTs."""
    res = await api.client.get(URL, headers={"Authorization": "Bearer dcas_1234_abcd"})
    detail = assert_401(res, "DCAAS-5002")["detail"]
    assert "start with 'dcaas_'" in detail
    assert "neither a dcaas API key" in detail


async def test_jwt_without_jwt_settings_names_the_settings(api_with) -> None:
    """A JWT sent to a server with no JWT key: 401 naming the settings and API keys instead."""
    async with api_with(jwt_hs256_secret=None) as api:
        res = await api.client.get(URL, headers={"Authorization": f"Bearer {token()}"})
    detail = assert_401(res, "DCAAS-5002")["detail"]
    assert "accepts no JWT" in detail
    assert "DCAAS_JWT_PUBLIC_KEY" in detail
    assert "dcaas_" in detail
