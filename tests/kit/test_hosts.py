"""Links and the OAuth redirect URI never follow a Host the operator did not configure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.conftest import TEST_SECRET, assert_error

from dcaas.app import create_app
from dcaas.config import ConfigurationError, Settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Api, ApiFactory

URL = "/api/v1/data-connections"
REST = {"qName": "c", "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
OAUTH = {
    "qName": "o",
    "datasourceID": "oauth-rest",
    "authUrlOnly": True,
    "connectionProperties": {
        "url": "https://api.example.com/me",
        "clientId": "own-app",
        "clientSecret": "own-app-secret-Lw3",
        "authorizationUrl": "https://idp.example.com/authorize",
        "tokenUrl": "https://idp.example.com/token",
    },
}


async def _hrefs(api: Api, host: str) -> list[str]:
    """Every href a create, a GET, a list and an OAuth start answer with, under ``host``."""
    headers = {**api.h(api.alice), "Host": host}
    made = await api.client.post(URL, json={**REST, "qName": host}, headers=headers)
    assert made.status_code == 201, made.text
    got = await api.client.get(f"{URL}/{made.json()['qID']}", headers=headers)
    listed = await api.client.get(URL, params={"limit": 1}, headers=headers)
    started = await api.client.post(URL, json=OAUTH, headers=headers)
    assert started.status_code == 201, started.text
    redirect = parse_qs(urlsplit(started.json()["authUrl"]).query)["redirect_uri"][0]
    links: dict[str, Any] = listed.json()["links"]
    return [
        made.json()["links"]["self"]["href"],
        got.json()["links"]["self"]["href"],
        *(link["href"] for link in links.values() if link),
        redirect,
    ]


async def test_without_configuration_a_foreign_host_sets_nothing(api_with: ApiFactory) -> None:
    """Development, neither setting: Host: evil.test yields dcaas's own bind address."""
    async with api_with(public_url=None) as api:
        hrefs = await _hrefs(api, "evil.test")
    assert all(h.startswith("http://127.0.0.1:8080/") for h in hrefs), hrefs


async def test_without_configuration_a_loopback_host_is_kept(api_with: ApiFactory) -> None:
    """Development: a browser on this machine (Host: localhost:9000) gets links it can follow."""
    async with api_with(public_url=None) as api:
        hrefs = await _hrefs(api, "localhost:9000")
    assert all(h.startswith("http://localhost:9000/") for h in hrefs), hrefs


async def test_public_url_wins_over_any_host(api_with: ApiFactory) -> None:
    """DCAAS_PUBLIC_URL makes every href and the redirect URI, whatever the Host says."""
    async with api_with(public_url="https://dcaas.example.com/") as api:
        hrefs = await _hrefs(api, "evil.test")
    assert all(h.startswith("https://dcaas.example.com/api/v1/") for h in hrefs), hrefs


async def test_allowed_hosts_refuse_others_with_400(api_with: ApiFactory) -> None:
    """DCAAS_ALLOWED_HOSTS: another Host is 400 DCAAS-1021; an allowed one makes the links."""
    allowed = "dcaas.example.com, .corp.example"
    async with api_with(public_url=None, allowed_hosts=allowed) as api:
        refused = await api.client.get(URL, headers={**api.h(api.alice), "Host": "evil.test"})
        assert_error(refused, 400, "DCAAS-1021")
        probe = await api.client.get("/health/live", headers={"Host": "10.1.2.3:8080"})
        assert probe.status_code == 200
        hrefs = await _hrefs(api, "api.corp.example")
        assert all(h.startswith("http://api.corp.example/") for h in hrefs), hrefs
        hrefs = await _hrefs(api, "DCAAS.example.com:443")
        assert all(h.lower().startswith("http://dcaas.example.com:443/") for h in hrefs), hrefs


@pytest.mark.parametrize("host", ["evil.test", "corp.example.evil.test", "xcorp.example"])
async def test_allowed_hosts_match_exactly_or_by_subdomain(api_with: ApiFactory, host: str) -> None:
    """Look-alike names are refused: suffixes count only after a dot."""
    async with api_with(public_url=None, allowed_hosts=".corp.example") as api:
        res = await api.client.get(URL, headers={**api.h(api.alice), "Host": host})
    assert_error(res, 400, "DCAAS-1021")


def test_production_refuses_to_start_without_either(tmp_path: Path) -> None:
    """Outside development, neither DCAAS_PUBLIC_URL nor DCAAS_ALLOWED_HOSTS: no app."""
    settings = Settings(data_dir=tmp_path, env="production", jwt_hs256_secret=TEST_SECRET)
    with pytest.raises(ConfigurationError, match="DCAAS_PUBLIC_URL"):
        create_app(settings)
    create_app(settings.model_copy(update={"public_url": "https://dcaas.example.com"}))


def test_public_url_must_be_a_plain_http_url() -> None:
    """A public URL with a query or another scheme stops startup."""
    for bad in ("ftp://x.example", "https://x.example/?a=1", "dcaas.example.com"):
        with pytest.raises(ValueError, match="DCAAS_PUBLIC_URL"):
            Settings(public_url=bad)
