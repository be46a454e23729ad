"""Access tokens: refresh before expiry, rotation, revocation, re-authentication, one refresh."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from tests.oauth.conftest import BASE, consent, create_connection, load_connection
from tests.test_unit_of_work import checked_out

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.credential.models import Credential
from dcaas.credential.vault import open_credential
from dcaas.kit.db import Store
from dcaas.oauth import tokens as tokens_module
from dcaas.oauth.tokens import TokenKeeper


def _keeper(api: Any) -> TokenKeeper:
    state = api.app.state.dcaas
    return TokenKeeper(state.store, state.envelope, state.settings)


async def _token(api: Any, connection_id: str) -> str:
    connection = await load_connection(api, connection_id)
    return await _keeper(api).fresh_access_token(connection.tenant_id, connection_id)


async def _stored(api: Any, connection_id: str) -> dict[str, Any]:
    connection = await load_connection(api, connection_id)
    state = api.app.state.dcaas
    async with state.sessions() as session:
        credential = await session.get(Credential, connection.credential_id)
        assert credential is not None
        return open_credential(state.envelope, credential)


async def _api_accepts(provider: Any, token: str) -> bool:
    async with httpx.AsyncClient(trust_env=False) as http:
        response = await http.get(
            f"{provider.base}/api/me", headers={"Authorization": f"Bearer {token}"}
        )
    return response.status_code == 200


async def test_valid_token_is_used_without_refresh(api, provider) -> None:
    """A token far from expiry is given out as is: no token request."""
    connection_id = await create_connection(api, provider)
    token = await _token(api, connection_id)
    assert await _api_accepts(provider, token)
    assert provider.store.token_requests["refresh_token"] == 0


async def test_refresh_before_expiry(api, provider) -> None:
    """A token expiring within the margin (30 s < 60 s) is refreshed while still valid."""
    provider.store.access_lifetime = 30
    connection_id = await create_connection(api, provider)
    first = (await _stored(api, connection_id))["accessToken"]
    assert await _api_accepts(provider, first)  # still valid, yet inside the margin
    token = await _token(api, connection_id)
    assert token != first
    assert provider.store.token_requests["refresh_token"] == 1
    assert await _api_accepts(provider, token)


async def test_rotated_refresh_token_is_saved(api, provider) -> None:
    """Each refresh saves the rotated refresh token: the next refresh uses it and succeeds."""
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    seen = [(await _stored(api, connection_id))["refreshToken"]]
    for _ in range(3):
        assert await _api_accepts(provider, await _token(api, connection_id))
        seen.append((await _stored(api, connection_id))["refreshToken"])
    assert len(set(seen)) == 4  # rotated every time; the old ones are revoked at the provider
    assert provider.store.token_requests["refresh_token"] == 3
    got = await api.client.get(f"{BASE}/{connection_id}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "ok"


async def _revoke_and_fail(api: Any, provider: Any) -> str:
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    provider.store.revoke_all()
    with pytest.raises(SourceFailure) as failure:
        await _token(api, connection_id)
    assert failure.value.code == "DCAAS-6012"
    assert failure.value.failure_class is FailureClass.REAUTHENTICATE
    got = await api.client.get(f"{BASE}/{connection_id}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "needs-reauthentication"
    return connection_id


async def test_revocation_then_recovery_with_qlik_auth_code(api, provider) -> None:
    """Revoked -> needs-reauthentication on GET -> PATCH with qlik-auth-code restores it."""
    connection_id = await _revoke_and_fail(api, provider)
    requests_before = provider.store.token_requests["refresh_token"]
    with pytest.raises(SourceFailure):  # flagged: no more calls to the provider
        await _token(api, connection_id)
    assert provider.store.token_requests["refresh_token"] == requests_before
    authorize = await api.client.post(
        f"{BASE}/{connection_id}/actions/authorize", headers=api.h(api.alice)
    )
    assert authorize.status_code == 201, authorize.text
    grant = await consent(authorize.json()["authUrl"])
    patched = await api.client.patch(
        f"{BASE}/{connection_id}",
        json=[],
        headers={**api.h(api.alice), "qlik-auth-code": grant.code},
    )
    assert patched.status_code == 204, patched.text
    got = await api.client.get(f"{BASE}/{connection_id}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "ok"
    assert got.json()["qID"] == connection_id
    assert await _api_accepts(provider, await _token(api, connection_id))


async def test_revocation_then_recovery_through_a_new_authorization_url(api, provider) -> None:
    """Revoked -> actions/authorize -> the callback re-authorizes the same connection id."""
    connection_id = await _revoke_and_fail(api, provider)
    authorize = await api.client.post(
        f"{BASE}/{connection_id}/actions/authorize", headers=api.h(api.alice)
    )
    grant = await consent(authorize.json()["authUrl"])
    done = await api.client.get(grant.callback_path)
    assert done.status_code == 200, done.text
    assert done.json() | {"detail": ""} == {
        "status": "re-authorized",
        "qID": connection_id,
        "qName": "my-api",
        "detail": "",
    }
    got = await api.client.get(f"{BASE}/{connection_id}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "ok"
    assert await _api_accepts(provider, await _token(api, connection_id))
    listed = await api.client.get(BASE, headers=api.h(api.alice))
    assert listed.json()["meta"]["count"] == 1


async def test_patch_with_auth_code_and_operations(api, provider) -> None:
    """qlik-auth-code with a JSON Patch both re-authorizes and applies the patch."""
    connection_id = await create_connection(api, provider)
    authorize = await api.client.post(
        f"{BASE}/{connection_id}/actions/authorize", headers=api.h(api.alice)
    )
    grant = await consent(authorize.json()["authUrl"])
    ops = [{"op": "replace", "path": "/qName", "value": "renamed"}]
    patched = await api.client.patch(
        f"{BASE}/{connection_id}",
        json=ops,
        headers={**api.h(api.alice), "qlik-auth-code": grant.code},
    )
    assert patched.status_code == 204, patched.text
    got = await api.client.get(f"{BASE}/{connection_id}", headers=api.h(api.alice))
    assert got.json()["qName"] == "renamed"
    assert provider.store.token_requests["authorization_code"] == 2


async def test_authorize_refused_for_non_oauth_and_other_users(api, provider) -> None:
    """actions/authorize: 400 DCAAS-7001 for a non-OAuth connection, 404 for another tenant."""
    connection_id = await create_connection(api, provider)
    plain = await api.client.post(
        BASE,
        headers=api.h(api.alice),
        json={
            "dataSourceId": "rest",
            "qName": "p",
            "connectionProperties": {"url": "https://e.com"},
        },
    )
    refused = await api.client.post(
        f"{BASE}/{plain.json()['qID']}/actions/authorize", headers=api.h(api.alice)
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "DCAAS-7001"
    hidden = await api.client.post(
        f"{BASE}/{connection_id}/actions/authorize", headers=api.h(api.mallory)
    )
    assert hidden.status_code == 404


async def test_concurrent_uses_refresh_once(api, provider) -> None:
    """Two concurrent uses of an expiring token refresh it once and get the same token."""
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    provider.store.access_lifetime = 3600  # the refreshed token is fresh
    provider.store.refresh_delay = 0.3  # widen the window in which both want to refresh
    first, second = await asyncio.gather(_token(api, connection_id), _token(api, connection_id))
    assert first == second
    assert provider.store.token_requests["refresh_token"] == 1
    assert await _api_accepts(provider, first)


async def test_two_processes_refresh_once(api, provider) -> None:
    """Two stores (as two processes would have) refresh once: the refresh claim and re-read."""
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    connection = await load_connection(api, connection_id)
    provider.store.access_lifetime = 3600
    provider.store.refresh_delay = 0.3
    state = api.app.state.dcaas
    store = Store.open(api.settings.async_database_url)
    other = TokenKeeper(store, state.envelope, state.settings)
    try:
        # _refresh skips the in-process lock, as another process would.
        tokens = await asyncio.gather(
            _keeper(api)._refresh(connection.tenant_id, connection_id),
            other._refresh(connection.tenant_id, connection_id),
        )
    finally:
        await store.dispose()
    assert tokens[0] == tokens[1]
    assert provider.store.token_requests["refresh_token"] == 1


async def test_a_refresh_during_a_test_calls_the_provider_holding_no_connection(
    api, provider, monkeypatch
) -> None:
    """A connection test that must refresh the access token: when the provider is called,
    no database connection is held; the rotated token is stored in a write of its own."""
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    provider.store.access_lifetime = 3600
    held: list[int] = []
    real = tokens_module.refresh

    async def watched(*args: Any, **kwargs: Any) -> Any:
        held.append(checked_out(api))
        return await real(*args, **kwargs)

    monkeypatch.setattr(tokens_module, "refresh", watched)
    before = (await _stored(api, connection_id))["refreshToken"]
    tested = await api.client.post(f"{BASE}/{connection_id}/actions/test", headers=api.h(api.alice))
    assert tested.status_code == 200, tested.text
    assert tested.json()["status"] == "passed", tested.text
    assert held == [0]
    assert (await _stored(api, connection_id))["refreshToken"] != before
