"""The console's session: an API key exchanged for an HttpOnly cookie that calls the public API."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update
from tests.conftest import assert_error

from dcaas.console.models import ConsoleSession
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    import httpx
    from tests.conftest import Api, ApiFactory

SESSION = "/api/v1/console/session"


async def sign_in(api: Api, key: str) -> str:
    """Sign in with a key; the client keeps the cookie. Returns the CSRF token."""
    response = await api.client.post(SESSION, json={"apiKey": key})
    assert response.status_code == 201, response.text
    return str(response.json()["csrfToken"])


def _cookie_header(response: httpx.Response) -> str:
    return response.headers["set-cookie"]


async def test_sign_in_sets_an_httponly_strict_cookie_and_never_returns_the_key(api: Api) -> None:
    """The answer sets HttpOnly, SameSite=Strict, Path=/ (no Secure over http) and holds no key."""
    response = await api.client.post(SESSION, json={"apiKey": api.alice})
    assert response.status_code == 201
    cookie = _cookie_header(response).lower()
    assert cookie.startswith("dcaas_session=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie
    assert api.alice not in response.text
    assert response.json()["subject"] == "alice"
    assert response.headers["cache-control"] == "no-store"


async def test_the_store_keeps_only_a_hash_of_the_session_token(api: Api) -> None:
    """The cookie's token is nowhere in the store; its SHA-256 is."""
    await sign_in(api, api.alice)
    token = api.client.cookies["dcaas_session"]
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    async with state.sessions() as db:
        rows = (await db.scalars(select(ConsoleSession))).all()
    assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).digest()]
    assert all(token.encode() not in r.token_hash for r in rows)


async def test_the_cookie_authenticates_the_public_api(api: Api) -> None:
    """GET /api/v1/data-connections answers with the session alone, privately (no-store)."""
    await sign_in(api, api.alice)
    response = await api.client.get("/api/v1/data-connections")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "cookie" in response.headers["vary"].lower()


async def test_a_state_changing_call_without_the_csrf_token_is_refused(api: Api) -> None:
    """POST with the cookie but no X-CSRF-Token is 403 DCAAS-5020 and creates nothing."""
    await sign_in(api, api.alice)
    body = {"name": "s1", "type": "shared"}
    assert_error(await api.client.post("/api/v1/spaces", json=body), 403, "DCAAS-5020")
    wrong = {"X-CSRF-Token": "0" * 64}
    assert_error(
        await api.client.post("/api/v1/spaces", json=body, headers=wrong), 403, "DCAAS-5020"
    )
    spaces = await api.client.get("/api/v1/spaces")
    assert [s["name"] for s in spaces.json()["data"] if s["type"] == "shared"] == []


async def test_a_state_changing_call_with_the_csrf_token_works(api: Api) -> None:
    """POST with the cookie and the session's X-CSRF-Token is done as the signed-in user."""
    csrf = await sign_in(api, api.alice)
    response = await api.client.post(
        "/api/v1/spaces", json={"name": "s1", "type": "shared"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    me = (await api.client.get(SESSION)).json()
    assert response.json()["ownerId"] == me["userId"]


async def test_bearer_calls_need_no_csrf_token_even_with_a_cookie(api: Api) -> None:
    """An API key in Authorization wins over the cookie and needs no CSRF token."""
    await sign_in(api, api.alice)
    response = await api.client.post(
        "/api/v1/spaces", json={"name": "bob's", "type": "shared"}, headers=api.h(api.bob)
    )
    assert response.status_code == 201
    alice = (await api.client.get(SESSION)).json()["userId"]
    assert response.json()["ownerId"] != alice  # done as bob, the bearer


async def test_sign_out_ends_the_session_on_the_server(api: Api) -> None:
    """After sign-out the old cookie is refused (401 DCAAS-5021) even if a client replays it."""
    csrf = await sign_in(api, api.alice)
    token = api.client.cookies["dcaas_session"]
    response = await api.client.delete(SESSION, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert 'dcaas_session=""' in response.headers["set-cookie"] or "max-age=0" in (
        response.headers["set-cookie"].lower()
    )
    api.client.cookies.clear()
    api.client.cookies.set("dcaas_session", token)
    assert_error(await api.client.get("/api/v1/data-connections"), 401, "DCAAS-5021")


async def test_sign_out_needs_the_csrf_token(api: Api) -> None:
    """A cross-site request cannot sign the user out: DELETE without the token is 403."""
    await sign_in(api, api.alice)
    assert_error(await api.client.delete(SESSION), 403, "DCAAS-5020")
    assert (await api.client.get(SESSION)).status_code == 200


async def test_an_expired_session_is_refused(api: Api) -> None:
    """Past its expiry a session answers 401 DCAAS-5021."""
    await sign_in(api, api.alice)
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    async with state.sessions() as db:
        await db.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        await db.commit()
    assert_error(await api.client.get("/api/v1/data-connections"), 401, "DCAAS-5021")


async def test_revoking_the_key_ends_its_sessions(api: Api) -> None:
    """A session made with a key ends when the key is revoked."""
    await sign_in(api, api.alice)
    keys = (await api.client.get("/api/v1/api-keys", headers=api.h(api.alice))).json()["data"]
    for key in keys:
        await api.client.delete(f"/api/v1/api-keys/{key['id']}", headers=api.h(api.alice))
    assert_error(await api.client.get("/api/v1/data-connections"), 401, "DCAAS-5021")


async def test_the_session_never_outlives_its_key(api: Api) -> None:
    """A key that expires sooner than the session lifetime caps the session's expiry."""
    soon = (utcnow() + timedelta(minutes=30)).isoformat()
    made = await api.client.post(
        "/api/v1/api-keys", json={"expiry": soon}, headers=api.h(api.alice)
    )
    response = await api.client.post(SESSION, json={"apiKey": made.json()["token"]})
    assert response.json()["expiresAt"][:16] == soon[:16]


@pytest.mark.parametrize(
    "key", ["dcaas_0123456789abcdef_wrong", "not-a-key", "eyJhbGciOiJIUzI1NiJ9.e30.x"]
)
async def test_a_wrong_key_does_not_sign_in(api: Api, key: str) -> None:
    """A wrong or foreign token is 401 in the envelope and sets no cookie."""
    response = await api.client.post(SESSION, json={"apiKey": key})
    assert_error(response, 401)
    assert "set-cookie" not in response.headers


async def test_a_sign_in_posted_from_another_site_is_refused(api: Api) -> None:
    """Login CSRF: a sign-in from another origin (or marked cross-site) is 403."""
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = await api.client.post(SESSION, json={"apiKey": api.alice}, headers=headers)
        assert_error(response, 403, "DCAAS-5020")


async def test_who_am_i_needs_a_session(api: Api) -> None:
    """GET /api/v1/console/session without a cookie is 401, even with a bearer token."""
    assert_error(await api.client.get(SESSION, headers=api.h(api.alice)), 401, "DCAAS-5021")


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(api_with: ApiFactory) -> None:
    """Served as https (DCAAS_PUBLIC_URL), the cookie is __Host-dcaas_session; Secure."""
    async with api_with(public_url="https://dcaas.example") as api:
        response = await api.client.post(SESSION, json={"apiKey": api.alice})
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-dcaas_session=")
        assert "secure" in cookie.lower()


async def test_sessions_are_per_tenant(api: Api) -> None:
    """Mallory's session sees none of acme's connections."""
    created = await api.client.post(
        "/api/v1/data-connections",
        json={"qName": "c", "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}},
        headers=api.h(api.alice),
    )
    assert created.status_code == 201
    await sign_in(api, api.mallory)
    listed = await api.client.get("/api/v1/data-connections")
    assert listed.json()["data"] == []
    got = await api.client.get(f"/api/v1/data-connections/{created.json()['qID']}")
    assert got.status_code == 404
