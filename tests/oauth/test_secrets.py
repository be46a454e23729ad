"""OAuth secrets (tokens, client secret, code, verifier) never appear in responses, logs or
the database in plain text; OAuth connections still match Qlik's response schemas."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, text
from tests.oauth.conftest import BASE, OPERATOR_SECRET, OWN_ID, OWN_SECRET, consent, start
from tests.oauth.test_tokens import _token

from dcaas.kit.crypto import Sealed
from dcaas.models import Base
from dcaas.oauth.models import OAuthAuthorization

_PROVIDER_LOGS = ("authlib", "werkzeug")


async def _verifier(api: Any) -> str:
    """Read the sealed PKCE verifier (as only dcaas can) so the test can look for it."""
    state = api.app.state.dcaas
    async with state.sessions() as session:
        pending = await session.scalar(select(OAuthAuthorization))
    aad = f"dcaas:oauth-authorization:{pending.tenant_id}:{pending.id}".encode()
    opened = state.envelope.open_json(
        Sealed(pending.ciphertext, pending.wrapped_key, pending.key_id), aad=aad
    )
    return str(opened["verifier"])


async def _database_text(api: Any) -> str:
    """Every row of every table as text, plus the SQLite files' bytes."""
    chunks: list[str] = []
    async with api.app.state.dcaas.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608
            chunks.extend(repr(tuple(row)) for row in rows)
    chunks.extend(p.read_bytes().decode("latin-1") for p in api.settings.data_dir.glob("dcaas.db*"))
    return "\n".join(chunks)


async def _responses(api: Any, connection_id: str, credential_id: str) -> list[str]:
    h = api.h(api.alice)
    paths = [
        BASE,
        f"{BASE}/{connection_id}",
        f"{BASE}/{connection_id}?parseConnection=true",
        f"/api/v1/dcaas/actions/data-connections/{connection_id}",
        f"/api/v1/data-credentials/{credential_id}",
    ]
    texts = []
    for path in paths:
        response = await api.client.get(path, headers=h)
        assert response.status_code == 200, response.text
        texts.append(response.text)
    return texts


async def test_secrets_stay_sealed(api, provider, caplog) -> None:
    """After a create with the tenant's own app and two refreshes, no secret shows anywhere."""
    caplog.set_level(logging.DEBUG)
    provider.store.access_lifetime = 1
    props = {
        "url": f"{provider.base}/api/me",
        "scopes": "read",
        "clientId": OWN_ID,
        "clientSecret": OWN_SECRET,
        "authorizationUrl": f"{provider.base}/authorize",
        "tokenUrl": f"{provider.base}/token",
    }
    body = {"dataSourceId": "oauth-rest", "qName": "sealed", "connectionProperties": props}
    url = await start(api, body)
    verifier = await _verifier(api)
    records = list(caplog.records)
    grant = await consent(url)  # the user agent's log lines (its redirect's code) are not ours
    caplog.clear()
    finish = {**body, "connectionProperties": {**props, "authCode": grant.code}}
    created = await api.client.post(BASE, json=finish, headers=api.h(api.alice))
    assert created.status_code == 201, created.text
    connection_id = created.json()["qID"]
    for _ in range(2):
        await _token(api, connection_id)
    tokens = [
        t for tok in provider.store.tokens for t in (tok.access_token, tok.refresh_token) if t
    ]
    assert len(tokens) == 6
    secrets = [OWN_SECRET, OPERATOR_SECRET, grant.code, verifier, *tokens]
    seen = [
        url,
        created.text,
        *await _responses(api, connection_id, created.json()["qCredentialsID"]),
    ]
    # The provider's own loggers (authlib, werkzeug) run in this process too: they are not ours.
    records += caplog.records
    ours = [r.getMessage() for r in records if not r.name.startswith(_PROVIDER_LOGS)]
    assert any(r.name == "httpx" for r in records)  # dcaas's calls to the provider were logged
    database = await _database_text(api)
    assert "sealed" in database  # the scan sees the rows
    seen += ["\n".join(ours), database]
    for secret in secrets:
        for place in seen:
            assert secret not in place


async def test_oauth_connection_matches_qlik_schemas(api, provider, shared_specs) -> None:
    """GET of an OAuth connection (with authStatus) still validates as Qlik's ConnectionGet."""
    from tests.test_qlik_specs import Spec  # noqa: PLC0415

    spec = Spec(shared_specs / "data-connections.json")
    grant = await consent(
        await start(
            api,
            {
                "dataSourceId": "oauth-rest",
                "qName": "q",
                "connectionProperties": {"url": f"{provider.base}/api/me"},
            },
        )
    )
    done = await api.client.get(grant.callback_path)
    connection_id = done.json()["qID"]
    for params in ({}, {"parseConnection": "true"}):
        got = await api.client.get(
            f"{BASE}/{connection_id}", params=params, headers=api.h(api.alice)
        )
        assert got.json()["authStatus"] == "ok"
        spec.check("ConnectionGet", got.json())
    listed = await api.client.get(BASE, headers=api.h(api.alice))
    spec.check("Connections", listed.json())
