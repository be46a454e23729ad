"""OAuth authorization-code flows end to end against the loopback provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import event, select, update
from tests.conftest import assert_error
from tests.oauth.conftest import (
    BASE,
    CALLBACK,
    OPERATOR_ID,
    OWN_ID,
    OWN_SECRET,
    consent,
    rest_body,
    start,
)
from tests.test_unit_of_work import checked_out

from dcaas.kit.crypto import Sealed
from dcaas.kit.time import utcnow
from dcaas.oauth import service as oauth_service
from dcaas.oauth.models import OAuthAuthorization

LEGACY = "/api/v1/dcaas/actions/data-connections"


async def _count(api: Any) -> int:
    listed = await api.client.get(BASE, headers=api.h(api.alice))
    return int(listed.json()["meta"]["count"])


async def test_auth_url_only_answers_a_pkce_url_and_creates_nothing(api, provider) -> None:
    """authUrlOnly: 201 {authUrl} with state, S256 challenge and dcaas's callback; no connection."""
    url = await start(api, rest_body(provider))
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{provider.base}/authorize"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43
    assert query["redirect_uri"] == CALLBACK
    assert query["client_id"] == OPERATOR_ID
    assert query["scope"] == "read"
    assert await _count(api) == 0
    second = await start(api, rest_body(provider))
    assert parse_qs(urlsplit(second).query)["state"][0] != query["state"]


async def test_finish_by_posting_auth_code(api, provider) -> None:
    """Qlik's way: the create posted again with authCode creates the connection, status ok."""
    grant = await consent(await start(api, rest_body(provider)))
    body = rest_body(provider)
    body["connectionProperties"]["authCode"] = grant.code
    created = await api.client.post(BASE, json=body, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    assert created.json()["qName"] == "my-api"
    got = await api.client.get(f"{BASE}/{created.json()['qID']}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "ok"
    assert provider.store.token_requests["authorization_code"] == 1


async def test_finish_through_the_callback(api, provider) -> None:
    """The browser's way: the provider's redirect to the callback creates the connection."""
    grant = await consent(await start(api, rest_body(provider, "via-callback")))
    done = await api.client.get(grant.callback_path, headers={"Accept": "text/html"})
    assert done.status_code == 200, done.text
    assert done.headers["content-type"].startswith("text/html")
    assert "Authorization complete" in done.text
    assert done.headers["cache-control"] == "no-store"
    listed = await api.client.get(BASE, headers=api.h(api.alice))
    assert [c["qName"] for c in listed.json()["data"]] == ["via-callback"]


async def test_the_callback_writes_in_one_transaction(api, provider) -> None:
    """The callback is a GET that writes: its statements run inside one transaction."""
    grant = await consent(await start(api, rest_body(provider, "atomic")))
    engine = api.app.state.dcaas.engine.sync_engine
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(maxsplit=1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        done = await api.client.get(grant.callback_path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert done.status_code == 200, done.text
    assert "INSERT" in seen
    if api.settings.is_sqlite:  # SQLite statements outside a BEGIN would each commit alone
        assert seen[0] == "BEGIN"
        assert "BEGIN" not in seen[1:]


async def test_deprecated_endpoint_gives_auth_url_and_finishes(api, provider) -> None:
    """The deprecated dcaas create answers {authUrl}, then CreateConnectionRes with authCode."""
    body = {
        "dataSourceId": "oauth-rest",
        "connectionName": "legacy",
        "connectionProperties": rest_body(provider)["connectionProperties"],
    }
    grant = await consent(await start(api, body, path=LEGACY))
    body["connectionProperties"] = {
        **body["connectionProperties"],
        "authCode": grant.code,
        "state": grant.state,
    }
    created = await api.client.post(LEGACY, json=body, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    assert created.json()["connectionName"] == "legacy"
    assert created.headers["Deprecation"]


async def test_unknown_state_is_refused(api, provider) -> None:
    """A callback or a finishing create with a state nobody issued gets DCAAS-7003."""
    await start(api, rest_body(provider))
    bad = await api.client.get("/api/v1/oauth/callback", params={"code": "x", "state": "nope"})
    assert_error(bad, 400, "DCAAS-7003")
    body = rest_body(provider, authCode="x", state="nope")
    assert_error(
        await api.client.post(BASE, json=body, headers=api.h(api.alice)), 400, "DCAAS-7003"
    )
    assert_error(await api.client.get("/api/v1/oauth/callback"), 400, "DCAAS-7003")


async def test_reused_state_is_refused(api, provider) -> None:
    """A state works once: the second callback with it gets DCAAS-7004 and creates nothing."""
    grant = await consent(await start(api, rest_body(provider)))
    assert (await api.client.get(grant.callback_path)).status_code == 200
    again = await api.client.get(grant.callback_path)
    assert_error(again, 400, "DCAAS-7004")
    assert await _count(api) == 1


async def test_another_user_cannot_finish(api, provider) -> None:
    """The pending authorization is Alice's: Bob posting the code finds nothing to finish."""
    grant = await consent(await start(api, rest_body(provider)))
    body = rest_body(provider, authCode=grant.code)
    refused = await api.client.post(BASE, json=body, headers=api.h(api.bob))
    assert_error(refused, 400, "DCAAS-7006")
    with_state = rest_body(provider, authCode=grant.code, state=grant.state)
    refused = await api.client.post(BASE, json=with_state, headers=api.h(api.mallory))
    assert_error(refused, 400, "DCAAS-7003")


async def test_expired_pending_authorization(api, provider) -> None:
    """A pending authorization past its expiry gets DCAAS-7005, by callback or by re-post."""
    grant = await consent(await start(api, rest_body(provider)))
    async with api.app.state.dcaas.sessions() as session:
        await session.execute(
            update(OAuthAuthorization).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert_error(await api.client.get(grant.callback_path), 400, "DCAAS-7005")
    body = rest_body(provider, authCode=grant.code)
    assert_error(
        await api.client.post(BASE, json=body, headers=api.h(api.alice)), 400, "DCAAS-7005"
    )


async def test_wrong_code_verifier_is_rejected_by_the_provider(api, provider) -> None:
    """A tampered stored verifier: the provider refuses the code (DCAAS-7007), nothing created."""
    grant = await consent(await start(api, rest_body(provider)))
    state = api.app.state.dcaas
    async with state.sessions() as session:
        pending = await session.scalar(select(OAuthAuthorization))
        aad = f"dcaas:oauth-authorization:{pending.tenant_id}:{pending.id}".encode()
        opened = state.envelope.open_json(
            Sealed(pending.ciphertext, pending.wrapped_key, pending.key_id), aad=aad
        )
        opened["verifier"] = "x" * 64
        sealed = state.envelope.seal_json(opened, aad=aad)
        pending.ciphertext, pending.wrapped_key = sealed.ciphertext, sealed.wrapped_key
        pending.key_id = sealed.key_id
        await session.commit()
    assert_error(await api.client.get(grant.callback_path), 400, "DCAAS-7007")
    assert await _count(api) == 0


async def test_provider_checks_verifier_redirect_and_client(provider) -> None:
    """The provider itself refuses a wrong verifier, redirect URI or client secret."""
    from tests.oauth.conftest import OPERATOR_SECRET  # noqa: PLC0415

    verifier = "v" * 64
    import base64  # noqa: PLC0415
    import hashlib  # noqa: PLC0415

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as http:

        async def code() -> str:
            r = await http.get(
                f"{provider.base}/authorize",
                params={
                    "response_type": "code",
                    "client_id": OPERATOR_ID,
                    "redirect_uri": CALLBACK,
                    "state": "s",
                    "code_challenge": challenge.decode(),
                    "code_challenge_method": "S256",
                    "scope": "read",
                },
            )
            return parse_qs(urlsplit(r.headers["location"]).query)["code"][0]

        form = {
            "grant_type": "authorization_code",
            "redirect_uri": CALLBACK,
            "client_id": OPERATOR_ID,
            "client_secret": OPERATOR_SECRET,
        }
        cases = [
            {"code_verifier": "w" * 64},
            {"code_verifier": verifier, "redirect_uri": "http://x/cb"},
            {"code_verifier": verifier, "client_secret": "wrong"},
        ]
        for change in cases:
            r = await http.post(
                f"{provider.base}/token", data={**form, "code": await code(), **change}
            )
            assert r.status_code in (400, 401), r.text
            assert "access_token" not in r.json()
        ok = await http.post(
            f"{provider.base}/token", data={**form, "code": await code(), "code_verifier": verifier}
        )
        assert ok.status_code == 200, ok.text
        no_pkce = await http.get(
            f"{provider.base}/authorize",
            params={"response_type": "code", "client_id": OPERATOR_ID, "redirect_uri": CALLBACK},
        )
        assert no_pkce.status_code == 302
        assert "error=invalid_request" in no_pkce.headers["location"]
        assert "code=" not in no_pkce.headers["location"]


async def test_provider_denial_is_reported(api, provider) -> None:
    """error=access_denied on the callback answers DCAAS-7010 and creates nothing."""
    url = await start(api, rest_body(provider))
    state = parse_qs(urlsplit(url).query)["state"][0]
    denied = await api.client.get(
        "/api/v1/oauth/callback", params={"state": state, "error": "access_denied"}
    )
    assert_error(denied, 400, "DCAAS-7010")
    assert await _count(api) == 0


async def test_auth_url_only_on_a_non_oauth_source_creates_normally(api) -> None:
    """authUrlOnly is ignored for a source without OAuth: a normal connection is created."""
    body = {
        "dataSourceId": "rest",
        "qName": "plain",
        "authUrlOnly": True,
        "connectionProperties": {"url": "https://example.com/api"},
    }
    created = await api.client.post(BASE, json=body, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    assert created.json()["qName"] == "plain"
    legacy = await api.client.post(
        LEGACY, json={**body, "qName": "plain2"}, headers=api.h(api.alice)
    )
    assert legacy.status_code == 201, legacy.text
    assert "connectionId" in legacy.json()


async def test_oauth_create_without_authorization_is_refused(api, provider) -> None:
    """An OAuth source without authUrlOnly or authCode gets DCAAS-7009."""
    refused = await api.client.post(BASE, json=rest_body(provider), headers=api.h(api.alice))
    assert_error(refused, 400, "DCAAS-7009")


async def test_own_app_and_the_operators_secret(api, provider) -> None:
    """A tenant's own app works; endpoint overrides with the operator's app are refused."""
    override = rest_body(provider, tokenUrl="https://attacker.example/token")
    refused = await api.client.post(
        BASE, json={**override, "authUrlOnly": True}, headers=api.h(api.alice)
    )
    assert_error(refused, 400, "DCAAS-7002")
    unconfigured = {
        "dataSourceId": "microsoft-oauth",
        "qName": "ms",
        "authUrlOnly": True,
        "connectionProperties": {"url": "https://graph.microsoft.com/v1.0/me"},
    }
    assert_error(
        await api.client.post(BASE, json=unconfigured, headers=api.h(api.alice)), 400, "DCAAS-7002"
    )
    own = rest_body(
        provider,
        "own",
        clientId=OWN_ID,
        clientSecret=OWN_SECRET,
        authorizationUrl=f"{provider.base}/authorize",
        tokenUrl=f"{provider.base}/token",
    )
    url = await start(api, own)
    assert parse_qs(urlsplit(url).query)["client_id"] == [OWN_ID]
    done = await api.client.get((await consent(url)).callback_path)
    assert done.status_code == 200, done.text
    got = await api.client.get(
        f"{BASE}/{done.json()['qID']}?parseConnection=true", headers=api.h(api.alice)
    )
    assert got.json()["connectionProperties"]["clientId"] == OWN_ID
    assert "clientSecret" not in got.json()["connectionProperties"]


async def test_google_source_defaults_and_operator_override(api, provider, monkeypatch) -> None:
    """google-oauth uses Google's endpoints and offline access unless the operator overrides."""
    body = {
        "dataSourceId": "google-oauth",
        "qName": "g",
        "authUrlOnly": True,
        "connectionProperties": {
            "url": "https://www.googleapis.com/oauth2/v3/userinfo",
            "clientId": "mine",
            "clientSecret": "s",
        },
    }
    url = await start(api, body)
    parts = urlsplit(url)
    assert parts.netloc == "accounts.google.com"
    query = parse_qs(parts.query)
    assert query["access_type"] == ["offline"]
    assert query["scope"] == ["openid email"]


async def test_the_token_endpoint_is_called_holding_no_connection(
    api, provider, monkeypatch
) -> None:
    """Finishing by create with authCode, by the callback and by PATCH with qlik-auth-code:
    when dcaas calls the provider's token endpoint, the request holds no database connection."""
    held: list[int] = []
    exchange = oauth_service.exchange_code

    async def watched(*args: Any, **kwargs: Any) -> Any:
        held.append(checked_out(api))
        return await exchange(*args, **kwargs)

    monkeypatch.setattr(oauth_service, "exchange_code", watched)
    grant = await consent(await start(api, rest_body(provider, "by-code")))
    body = rest_body(provider, "by-code", authCode=grant.code, state=grant.state)
    created = await api.client.post(BASE, json=body, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    grant = await consent(await start(api, rest_body(provider, "by-callback")))
    assert (await api.client.get(grant.callback_path)).status_code == 200
    qid = created.json()["qID"]
    authorize = await api.client.post(f"{BASE}/{qid}/actions/authorize", headers=api.h(api.alice))
    grant = await consent(authorize.json()["authUrl"])
    patched = await api.client.patch(
        f"{BASE}/{qid}", json=[], headers={**api.h(api.alice), "qlik-auth-code": grant.code}
    )
    assert patched.status_code == 204, patched.text
    assert held == [0, 0, 0]
