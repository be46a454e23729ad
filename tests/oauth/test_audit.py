"""OAuth in the audit trail: an authorization begun and granted, a token refreshed, a
refresh refused (needs re-authentication); no token in any event."""

from __future__ import annotations

from typing import Any

import pytest
from tests.audit.helpers import as_text, stored_events
from tests.oauth.conftest import BASE, consent, create_connection, load_connection

from dcaas.audit import types
from dcaas.connectors.base import SourceFailure
from dcaas.credential.models import Credential
from dcaas.credential.vault import open_credential
from dcaas.oauth.tokens import TokenKeeper


async def _token(api: Any, connection_id: str) -> str:
    state = api.app.state.dcaas
    connection = await load_connection(api, connection_id)
    keeper = TokenKeeper(state.store, state.envelope, state.settings)
    return await keeper.fresh_access_token(connection.tenant_id, connection_id)


async def _tokens(api: Any, connection_id: str) -> dict[str, Any]:
    state = api.app.state.dcaas
    connection = await load_connection(api, connection_id)
    async with state.sessions() as session:
        credential = await session.get(Credential, connection.credential_id)
        assert credential is not None
        return open_credential(state.envelope, credential)


async def test_authorization_refresh_and_reauthentication_are_recorded(api, provider) -> None:
    """Callback: authorized (by the user who began it); refresh: token-refreshed; a revoked
    grant: needs-reauthentication; actions/authorize: authorization-started."""
    provider.store.access_lifetime = 1
    connection_id = await create_connection(api, provider)
    authorized = await stored_events(api, type=types.OAUTH_AUTHORIZED, object_id=connection_id)
    assert len(authorized) == 1
    assert authorized[0].actor_id is not None
    stored = await _tokens(api, connection_id)
    await _token(api, connection_id)
    refreshed = await stored_events(api, type=types.OAUTH_REFRESHED, object_id=connection_id)
    assert len(refreshed) == 1
    newer = await _tokens(api, connection_id)
    provider.store.revoke_all()
    with pytest.raises(SourceFailure):
        await _token(api, connection_id)
    flagged = await stored_events(api, type=types.NEEDS_REAUTHENTICATION, object_id=connection_id)
    assert [e.outcome for e in flagged] == ["failure"]
    res = await api.client.post(
        f"{BASE}/{connection_id}/actions/authorize", headers=api.h(api.alice)
    )
    assert res.status_code == 201, res.text
    grant = await consent(res.json()["authUrl"])
    started = await stored_events(api, request_id=res.headers["x-request-id"])
    assert types.OAUTH_STARTED in [e.type for e in started]
    done = await api.client.get(grant.callback_path)
    assert done.status_code == 200
    assert len(await stored_events(api, type=types.OAUTH_AUTHORIZED)) == 2
    texts = " ".join(as_text(e) for e in await stored_events(api))
    for value in (*stored.values(), *newer.values(), grant.code, grant.state):
        if isinstance(value, str) and len(value) >= 8:
            assert value not in texts
