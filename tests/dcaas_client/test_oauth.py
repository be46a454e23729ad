"""OAuth connections through the SDK: authUrlOnly, the callback, authorize and re-authenticate."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.live import Live, live_dcaas
from tests.oauth.authserver import AuthServer

from dcaas_client import (
    AsyncClient,
    AuthUrl,
    BadRequestError,
    Client,
    NotFoundError,
    PropertiesConnectionCreate,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENT_ID, CLIENT_SECRET = "dcaas-operator", "op-secret-" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def provider() -> Iterator[AuthServer]:
    with AuthServer() as server:
        yield server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, provider: AuthServer) -> Iterator[Live]:
    """dcaas with the loopback provider as the operator's oauth-rest app."""
    app = {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "authorizationUrl": f"{provider.base}/authorize",
        "tokenUrl": f"{provider.base}/token",
    }
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider speaks plain HTTP
        with live_dcaas(
            tmp_path_factory.mktemp("dcaas"),
            outbound_allow="127.0.0.1/32",
            oauth_clients={"oauth-rest": app},
        ) as server:
            provider.add_client(CLIENT_ID, CLIENT_SECRET, f"{server.url}/api/v1/oauth/callback")
            yield server


@pytest.fixture
def alice(live: Live) -> Iterator[Client]:
    with Client(live.url, live.alice) as client:
        yield client


def body(provider: AuthServer) -> PropertiesConnectionCreate:
    props = {"url": f"{provider.base}/api/me", "scopes": "read"}
    name = f"oauth-{uuid.uuid4().hex[:8]}"
    return PropertiesConnectionCreate(
        qName=name, datasourceID="oauth-rest", connectionProperties=props
    )


def consent(auth_url: str) -> str:
    """The user agent: open the authorization URL, approve, and answer the redirect URL."""
    with httpx.Client(follow_redirects=False, trust_env=False) as browser:
        response = browser.get(auth_url)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


async def aconsent(auth_url: str) -> str:
    """:func:`consent` for async tests."""
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as browser:
        response = await browser.get(auth_url)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def test_auth_url_only_answers_a_pkce_url(alice: Client, provider: AuthServer) -> None:
    """create_auth_url answers an authUrl at the provider with S256 PKCE, and creates nothing."""
    before = alice.connections.list(limit=100).meta
    found = alice.connections.create_auth_url(body(provider))
    assert isinstance(found, AuthUrl)
    parts = urlsplit(found.authUrl)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{provider.base}/authorize"
    query = parse_qs(parts.query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["client_id"] == [CLIENT_ID]
    assert query["state"][0]
    assert alice.connections.list(limit=100).meta == before


def test_create_with_auth_url_only_flag(alice: Client, provider: AuthServer) -> None:
    """create() with authUrlOnly=True answers the AuthUrl model as well."""
    made = alice.connections.create(body(provider).model_copy(update={"authUrlOnly": True}))
    assert isinstance(made, AuthUrl)
    assert "code_challenge_method=S256" in made.authUrl


def test_full_flow_authorize_and_reauthenticate(
    live: Live, alice: Client, provider: AuthServer
) -> None:
    """Consent + callback create the connection; authorize and a code re-authorize it, same id."""
    location = consent(alice.connections.create_auth_url(body(provider)).authUrl)
    assert location.startswith(f"{live.url}/api/v1/oauth/callback?")
    done = httpx.get(location, trust_env=False)  # the browser follows the redirect
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "created"
    qid = done.json()["qID"]
    assert alice.connections.get(qid).model_dump().get("authStatus") == "ok"
    again = alice.connections.authorize(qid)
    assert "code_challenge_method=S256" in again.authUrl
    code = parse_qs(urlsplit(consent(again.authUrl)).query)["code"][0]
    alice.connections.reauthenticate(qid, code)
    found = alice.connections.get(qid)
    assert (found.qID, found.model_dump().get("authStatus")) == (qid, "ok")
    with pytest.raises(BadRequestError):  # a code is single-use
        alice.connections.reauthenticate(qid, code)


def test_authorize_by_name_and_unknown(alice: Client, provider: AuthServer) -> None:
    """authorize(by_name=True) finds the connection by name; an unknown id is NotFoundError."""
    location = consent(alice.connections.create_auth_url(body(provider)).authUrl)
    qname = httpx.get(location, trust_env=False).json()["qName"]
    assert "code_challenge_method=S256" in alice.connections.authorize(qname, by_name=True).authUrl
    with pytest.raises(NotFoundError):
        alice.connections.authorize(str(uuid.uuid4()))


async def test_async_auth_url_and_authorize(live: Live, provider: AuthServer) -> None:
    """The async client starts a flow and asks for a new URL of a saved connection."""
    browser = httpx.AsyncClient(trust_env=False)
    async with AsyncClient(live.url, live.alice) as client, browser:
        started = await client.connections.create_auth_url(body(provider))
        assert "code_challenge_method=S256" in started.authUrl
        done = (await browser.get(await aconsent(started.authUrl))).json()
        again = await client.connections.authorize(done["qID"])
        assert again.authUrl != started.authUrl
        code = parse_qs(urlsplit(await aconsent(again.authUrl)).query)["code"][0]
        await client.connections.reauthenticate(done["qID"], code)
        assert (await client.connections.get(done["qID"])).qID == done["qID"]
