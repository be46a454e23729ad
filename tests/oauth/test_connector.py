"""The OAuth REST connector, wired as the probe service will wire it (oauth_prepare first)."""

from __future__ import annotations

import contextlib
from typing import Any

from tests.oauth.conftest import create_connection, load_connection

from dcaas.connectors import get_data_source
from dcaas.connectors.base import ConnectorContext, FailureClass, StepFailed, Steps
from dcaas.credential.models import Credential
from dcaas.credential.vault import open_credential
from dcaas.kit.outbound import OutboundPolicy
from dcaas.oauth.tokens import oauth_prepare


async def _connector(api: Any, connection_id: str, *, policy: OutboundPolicy | None = None) -> Any:
    state = api.app.state.dcaas
    connection = await load_connection(api, connection_id)
    async with state.sessions() as session:
        credential = await session.get(Credential, connection.credential_id)
        secrets = open_credential(state.envelope, credential)
    full = {**connection.properties, **secrets}  # what a runner joins for any connector
    prepared = oauth_prepare(state.store, state.envelope, state.settings, connection, full)
    assert not {"accessToken", "refreshToken", "clientSecret"} & set(prepared.properties)
    settings = api.settings
    context = ConnectorContext(
        outbound=policy or OutboundPolicy.parse(settings.outbound_allow),
        connect_timeout=settings.connector_connect_timeout,
        total_timeout=settings.connector_total_timeout,
        max_preview_bytes=settings.preview_max_bytes,
        extra=prepared.extra,
    )
    source = get_data_source("oauth-rest")
    assert source is not None
    cls = source.connector_class()
    assert cls is not None
    return cls(prepared.properties, context)


async def _test(connector: Any) -> Steps:
    steps = Steps()
    with contextlib.suppress(StepFailed):
        await connector.test(steps)
    return steps


async def test_connection_test_passes_and_preview_reads_the_api(api, provider) -> None:
    """authenticate and reach-endpoint pass; a preview reads the protected API as rows."""
    connector = await _connector(api, await create_connection(api, provider))
    steps = await _test(connector)
    assert [(r.name, r.status) for r in steps.results] == [
        ("authenticate", "passed"),
        ("reach-endpoint", "passed"),
    ]
    preview = await connector.preview("/", 1000, 10)
    # The API answers one JSON object: it previews as one row.
    assert preview.kind == "rows"
    assert dict(zip(preview.columns, preview.rows[0], strict=True))["user"] == "provider-user"


async def test_expired_and_revoked_needs_reauthentication(api, provider) -> None:
    """A refused refresh fails authenticate with DCAAS-6012 (re-authenticate); the rest skips."""
    provider.store.access_lifetime = 1
    connector = await _connector(api, await create_connection(api, provider))
    provider.store.revoke_all()
    steps = await _test(connector)
    first, second = steps.results
    assert (first.name, first.status, first.code) == ("authenticate", "failed", "DCAAS-6012")
    assert first.failure_class is FailureClass.REAUTHENTICATE
    assert (second.name, second.status) == ("reach-endpoint", "skipped")


async def test_api_refusing_the_token_asks_for_reauthentication(api, provider) -> None:
    """A token the API refuses (401) fails reach-endpoint with class re-authenticate."""
    connector = await _connector(api, await create_connection(api, provider))
    provider.store.revoke_all()  # the stored token is not expired, but the API refuses it
    steps = await _test(connector)
    failed = steps.results[-1]
    assert (failed.name, failed.code) == ("reach-endpoint", "DCAAS-6006")
    assert failed.failure_class is FailureClass.REAUTHENTICATE


async def test_outbound_policy_applies_to_the_api(api, provider) -> None:
    """Without an allowance for loopback the API call is refused (DCAAS-6002)."""
    connection_id = await create_connection(api, provider)
    connector = await _connector(api, connection_id, policy=OutboundPolicy())
    steps = await _test(connector)
    assert steps.results[-1].code == "DCAAS-6002"


async def test_no_token_source_means_authorize_first(api) -> None:
    """A connector built without oauth_prepare (nothing authorized) fails authenticate."""
    source = get_data_source("oauth-rest")
    assert source is not None
    cls = source.connector_class()
    assert cls is not None
    context = ConnectorContext(OutboundPolicy(), 1.0, 1.0, 100)
    steps = await _test(cls({"url": "https://example.com/"}, context))
    assert (steps.results[0].status, steps.results[0].code) == ("failed", "DCAAS-6012")
