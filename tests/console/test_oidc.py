"""Single sign-on against a real OpenID provider on loopback (authlib): code flow with PKCE."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.conftest import assert_error
from tests.console.oidc_provider import OidcProvider

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Api, ApiFactory

CALLBACK = "http://testserver/api/v1/console/oidc/callback"


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        running.add_client("console", "console-secret-1", CALLBACK)
        running.store.user.claims = {"tenantId": "acme", "roles": ["TenantAdmin"]}
        yield running


def _settings(provider: OidcProvider) -> dict[str, str]:
    return {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": "console",
        "oidc_client_secret": "console-secret-1",
        "oidc_name": "Test IdP",
    }


async def _consent(api: Api) -> httpx.URL:
    """Start at dcaas, consent at the provider (as the browser would); the callback URL."""
    start = await api.client.get("/api/v1/console/oidc/login")
    assert start.status_code == 302
    to_provider = start.headers["location"]
    query = parse_qs(urlsplit(to_provider).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    async with httpx.AsyncClient() as browser:
        back = await browser.get(to_provider)
    assert back.status_code == 302, back.text
    return httpx.URL(back.headers["location"])


async def test_single_sign_on_signs_in_the_user_of_the_id_token(
    api_with: ApiFactory, provider: OidcProvider
) -> None:
    """The ID token's sub, tenantId and roles become the signed-in user, tenant and admin role."""
    async with api_with(**_settings(provider)) as api:
        config = (await api.client.get("/api/v1/console/config")).json()
        assert config["singleSignOn"] == {"enabled": True, "name": "Test IdP"}
        callback = await _consent(api)
        done = await api.client.get(callback.raw_path.decode())
        assert done.status_code == 302
        assert done.headers["location"] == "/"
        assert "samesite=strict" in done.headers["set-cookie"].lower()
        me = (await api.client.get("/api/v1/console/session")).json()
        assert (me["subject"], me["tenantId"], me["isAdmin"], me["via"]) == (
            "sso-user",
            "acme",
            True,
            "oidc",
        )
        listed = await api.client.get("/api/v1/data-connections")
        assert listed.status_code == 200


async def test_a_callback_in_another_browser_is_refused_with_a_page(
    api_with: ApiFactory, provider: OidcProvider
) -> None:
    """Without the browser's binder cookie, the state does not match: 400, shown as a page."""
    async with api_with(**_settings(provider)) as api:
        callback = await _consent(api)
        api.client.cookies.clear()
        response = await api.client.get(callback.raw_path.decode(), headers={"Accept": "text/html"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        assert "DCAAS-5023" in response.text
        assert "set-cookie" not in response.headers


async def test_an_id_token_without_the_tenant_claim_signs_no_one_in(
    api_with: ApiFactory, provider: OidcProvider
) -> None:
    """Users and tenants come from the claims, as for JWTs: no tenant claim, no session."""
    provider.store.user.claims = {}
    async with api_with(**_settings(provider)) as api:
        callback = await _consent(api)
        response = await api.client.get(callback.raw_path.decode())
        error = assert_error(response, 401, "DCAAS-5023")
        assert "tenantId" in error["detail"]
        assert_error(await api.client.get("/api/v1/console/session"), 401, "DCAAS-5021")


async def test_the_provider_refusing_is_a_clear_error(
    api_with: ApiFactory, provider: OidcProvider
) -> None:
    """The provider's error answer (e.g. access_denied) ends the sign-in with its name."""
    async with api_with(**_settings(provider)) as api:
        response = await api.client.get("/api/v1/console/oidc/callback?error=access_denied&state=x")
        error = assert_error(response, 401, "DCAAS-5023")
        assert "access_denied" in error["detail"]


async def test_without_configuration_there_is_no_single_sign_on(api: Api) -> None:
    """No DCAAS_OIDC_*: the sign-in page offers none and the login path is 404 DCAAS-5022."""
    config = (await api.client.get("/api/v1/console/config")).json()
    assert config["singleSignOn"]["enabled"] is False
    assert_error(await api.client.get("/api/v1/console/oidc/login"), 404, "DCAAS-5022")
