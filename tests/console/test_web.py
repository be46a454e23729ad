"""Serving the console and the offline API docs; pages for a browser after a redirect."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from tests.conftest import assert_error

from dcaas.console.pages import CSP

if TYPE_CHECKING:
    from tests.conftest import Api

pytestmark = pytest.mark.usefixtures("built_console")
_THIRD_PARTY = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/", "/sign-in", "/connections/abc", "/admin/api-keys"])
async def test_console_paths_serve_the_page_with_a_strict_policy(api: Api, path: str) -> None:
    """The page: HTML, the strict CSP, not cached, no inline script, nothing from elsewhere."""
    response = await api.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP
    assert "unsafe-inline" not in CSP
    assert "unsafe-eval" not in CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert not _THIRD_PARTY.search(response.text)


async def test_other_paths_stay_json_404(api: Api) -> None:
    """Paths that are not the console's still answer the JSON envelope."""
    assert_error(await api.client.get("/nothing-here"), 404, "HTTP-404")


async def test_the_built_assets_are_served(api: Api) -> None:
    """Every script and stylesheet the page names is served from /assets."""
    page = (await api.client.get("/")).text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert assets
    for asset in assets:
        assert (await api.client.get(asset)).status_code == 200


async def test_api_docs_load_swagger_from_installed_assets(api: Api) -> None:
    """/api/v1/docs: Swagger UI from /assets (no CDN), external scripts only, strict CSP."""
    response = await api.client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "cdn" not in response.text.lower()
    assert not _THIRD_PARTY.search(response.text)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    for asset in re.findall(r"(?:src|href)='(/assets/[^']+)'", response.text):
        assert (await api.client.get(asset)).status_code == 200
    assert (await api.client.get("/docs", follow_redirects=False)).headers["location"] == (
        "/api/v1/docs"
    )


async def test_openapi_declares_the_bearer_scheme_and_the_session(api: Api) -> None:
    """components.securitySchemes has bearerAuth and cookieAuth; they apply globally."""
    doc = (await api.client.get("/api/v1/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert doc["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert doc["paths"]["/api/v1/oauth/callback"]["get"]["security"] == []
    assert doc["paths"]["/api/v1/console/session"]["post"]["security"] == []


async def test_oauth_callback_errors_are_a_page_for_a_browser(api: Api) -> None:
    """An unknown state answers a page with the envelope's title and detail to a browser."""
    response = await api.client.get(
        "/api/v1/oauth/callback?state=unknown&code=abc", headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "DCAAS-7003" in response.text
    assert "<h1>" in response.text
    assert "abc" not in response.text  # the code is not echoed


async def test_oauth_callback_errors_stay_json_for_programs(api: Api) -> None:
    """Without Accept: text/html the same error is the JSON envelope."""
    response = await api.client.get("/api/v1/oauth/callback?state=unknown&code=abc")
    assert_error(response, 400, "DCAAS-7003")
