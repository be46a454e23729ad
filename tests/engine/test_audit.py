"""The engine endpoint in the audit trail: each release is an event, a refused one a
failure; none holds the secrets it released."""

from __future__ import annotations

from typing import Any

from tests.audit.helpers import as_text, stored_events
from tests.engine.test_release import (
    ENDPOINTS,
    FILTER,
    HEADER_SECRET,
    PASSWORD,
    engine_key,
    rest_connection,
)

from dcaas.audit import types

GATEWAYS = "/api/v1/gateways"
MISSING = "00000000-0000-4000-8000-000000000000"


async def test_releases_are_recorded_without_the_secret(api: Any) -> None:
    """A release: secret-released, success, with its reloadId; an unknown connection:
    the same type, failure, with the refusal's code; no secret in either."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    ok = await api.client.post(
        FILTER, json={"connectionId": conn, "reloadId": "reload-9"}, headers=api.h(engine)
    )
    assert ok.status_code == 201, ok.text
    refused = await api.client.post(FILTER, json={"connectionId": MISSING}, headers=api.h(engine))
    assert refused.status_code == 404
    found = await stored_events(api, type=types.SECRET_RELEASED)
    assert [(e.outcome, e.object_id) for e in found] == [("success", conn), ("failure", MISSING)]
    assert found[0].data["reloadId"] == "reload-9"
    assert found[1].data["code"] == "DCAAS-3001"
    text = " ".join(as_text(e) for e in await stored_events(api))
    assert PASSWORD not in text
    assert HEADER_SECRET not in text


async def test_endpoints_and_gateways_added_and_removed_are_recorded(api: Any) -> None:
    """Registering and removing an engine endpoint and a gateway: an event each."""
    body = {"dataSourceId": "rest", "url": "grpc://engine.internal:50051"}
    made = await api.client.post(ENDPOINTS, json=body, headers=api.h(api.admin))
    gone = await api.client.delete(f"{ENDPOINTS}/{made.json()['id']}", headers=api.h(api.admin))
    assert gone.status_code == 204
    gateway = {"name": "gw", "dataSources": ["DG_postgres"]}
    made_gw = await api.client.post(GATEWAYS, json=gateway, headers=api.h(api.admin))
    assert made_gw.status_code == 201, made_gw.text
    gone_gw = await api.client.delete(
        f"{GATEWAYS}/{made_gw.json()['id']}", headers=api.h(api.admin)
    )
    assert gone_gw.status_code == 204
    kinds = [e.type for e in await stored_events(api)]
    for kind in (
        types.ENDPOINT_CREATED,
        types.ENDPOINT_DELETED,
        types.GATEWAY_CREATED,
        types.GATEWAY_DELETED,
    ):
        assert kinds.count(kind) == 1, kind
