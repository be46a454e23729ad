"""Fixtures for the OAuth tests: the loopback provider, settings that point at it, and helpers
that play the user agent (follow the authorization URL, read the code)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from tests.oauth.authserver import AuthServer

from dcaas.connection.models import Connection

if TYPE_CHECKING:
    from collections.abc import Iterator

CALLBACK = "http://testserver/api/v1/oauth/callback"
BASE = "/api/v1/data-connections"
OPERATOR_ID, OPERATOR_SECRET = "dcaas-operator", "op-secret-" + secrets.token_hex(12)
OWN_ID, OWN_SECRET = "tenant-app", "tenant-secret-" + secrets.token_hex(12)


@pytest.fixture
def provider() -> Iterator[AuthServer]:
    with AuthServer() as server:
        server.add_client(OPERATOR_ID, OPERATOR_SECRET, CALLBACK)
        server.add_client(OWN_ID, OWN_SECRET, CALLBACK)
        yield server


@pytest.fixture(autouse=True)
def _oauth_env(provider: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs before ``api``: its Settings read these variables."""
    operator = {
        "clientId": OPERATOR_ID,
        "clientSecret": OPERATOR_SECRET,
        "authorizationUrl": f"{provider.base}/authorize",
        "tokenUrl": f"{provider.base}/token",
    }
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("DCAAS_OAUTH_CLIENTS", json.dumps({"oauth-rest": operator}))
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider speaks plain HTTP


def rest_body(provider: AuthServer, name: str = "my-api", **props: Any) -> dict[str, Any]:
    return {
        "dataSourceId": "oauth-rest",
        "qName": name,
        "connectionProperties": {"url": f"{provider.base}/api/me", "scopes": "read", **props},
    }


@dataclass
class Consent:
    code: str
    state: str
    location: str

    @property
    def callback_path(self) -> str:
        parts = urlsplit(self.location)
        return f"{parts.path}?{parts.query}"


async def consent(auth_url: str) -> Consent:
    """The user agent: open the authorization URL, approve, and read the redirect."""
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as browser:
        response = await browser.get(auth_url)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?"), location
    query = parse_qs(urlsplit(location).query)
    return Consent(query["code"][0], query["state"][0], location)


async def start(api: Any, body: dict[str, Any], key: str | None = None, path: str = BASE) -> str:
    response = await api.client.post(
        path, json={**body, "authUrlOnly": True}, headers=api.h(key or api.alice)
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"authUrl"}
    return str(response.json()["authUrl"])


async def create_connection(api: Any, provider: AuthServer, name: str = "my-api") -> str:
    """The whole flow through the callback; returns the new connection's id."""
    grant = await consent(await start(api, rest_body(provider, name)))
    response = await api.client.get(grant.callback_path)
    assert response.status_code == 200, response.text
    return str(response.json()["qID"])


async def load_connection(api: Any, connection_id: str) -> Connection:
    async with api.app.state.dcaas.sessions() as session:
        found = await session.scalar(select(Connection).where(Connection.id == connection_id))
    assert found is not None
    return found
