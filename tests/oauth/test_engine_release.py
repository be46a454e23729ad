"""The engine endpoint on OAuth connections: a fresh access token, never the refresh token."""

from __future__ import annotations

from typing import Any

import httpx
from tests.engine.test_release import FILTER, RELEASES, engine_key
from tests.oauth.conftest import OPERATOR_SECRET, create_connection, load_connection

from dcaas.credential.models import Credential
from dcaas.credential.vault import open_credential


async def _stored(api: Any, connection_id: str) -> dict[str, Any]:
    connection = await load_connection(api, connection_id)
    state = api.app.state.dcaas
    async with state.sessions() as session:
        credential = await session.get(Credential, connection.credential_id)
        assert credential is not None
        return open_credential(state.envelope, credential)


async def _accepted(provider: Any, token: str) -> bool:
    async with httpx.AsyncClient(trust_env=False) as http:
        r = await http.get(f"{provider.base}/api/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code == 200


async def test_release_refreshes_an_expiring_token(api, provider, secrets_used) -> None:
    """A token inside the refresh margin is refreshed; the engine gets the new access token
    and neither the refresh token nor the client secret."""
    provider.store.access_lifetime = 30
    connection_id = await create_connection(api, provider)
    first = await _stored(api, connection_id)
    engine = await engine_key(api, "alice")
    r = await api.client.post(
        FILTER, json={"connectionId": connection_id, "reloadId": "oauth-1"}, headers=api.h(engine)
    )
    assert r.status_code == 201, r.text
    released = r.json()["connection"]["password"]
    secrets_used(released, first["refreshToken"])
    assert released != first["accessToken"]
    assert provider.store.token_requests["refresh_token"] == 1
    assert await _accepted(provider, released)
    now = await _stored(api, connection_id)
    assert released == now["accessToken"]
    for hidden in (first["refreshToken"], now["refreshToken"], OPERATOR_SECRET):
        assert hidden not in r.text
    assert "refreshToken" not in r.text
    assert "clientSecret" not in r.text


async def test_release_of_a_fresh_token_calls_no_provider(api, provider) -> None:
    """A token far from expiry is released as it is, and the release is recorded."""
    connection_id = await create_connection(api, provider)
    stored = await _stored(api, connection_id)
    engine = await engine_key(api, "alice")
    r = await api.client.post(FILTER, json={"connectionId": connection_id}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    assert r.json()["connection"]["password"] == stored["accessToken"]
    assert provider.store.token_requests["refresh_token"] == 0
    listed = await api.client.get(RELEASES, headers=api.h(api.admin))
    assert stored["accessToken"] not in listed.text
    assert [x["outcome"] for x in listed.json()["data"]] == ["released"]
