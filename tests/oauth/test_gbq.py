"""BigQuery with OAuthMechanism 1: made through dcaas's OAuth flow, used with its token.

The OAuth provider is the loopback authlib server (tests/oauth/authserver.py) configured as
the operator's app for ``gbq``; BigQuery's one call that reach-database makes is the stand-in
of tests/connectors/sql/google_standin.py, which accepts the provider's access tokens. No
Google service takes part: this proves dcaas's side of the flow, not Google's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from tests.connectors.sql.google_standin import google_standin
from tests.oauth.conftest import BASE, OPERATOR_ID, OPERATOR_SECRET, consent, start

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.connectors.sql.google_standin import Google
    from tests.oauth.authserver import AuthServer


@pytest.fixture
def google(provider: AuthServer) -> Iterator[Google]:
    with google_standin() as state:
        state.also_valid = lambda token: provider.store.by_access(token) is not None
        yield state


@pytest.fixture(autouse=True)
def _gbq_operator_app(provider: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's OAuth app for gbq is the loopback provider (set before ``api``)."""
    app = {
        "clientId": OPERATOR_ID,
        "clientSecret": OPERATOR_SECRET,
        "authorizationUrl": f"{provider.base}/authorize",
        "tokenUrl": f"{provider.base}/token",
    }
    monkeypatch.setenv("DCAAS_OAUTH_CLIENTS", json.dumps({"gbq": app}))


def _body(google: Google) -> dict[str, Any]:
    props = {"OAuthMechanism": "1", "Catalog": "dcaas-test", "apiEndpoint": google.url}
    return {"dataSourceId": "gbq", "qName": "bq", "connectionProperties": props}


async def test_oauth_mechanism_1_goes_through_the_flow_and_browses(api, google) -> None:
    """authUrlOnly answers a URL; the callback creates the connection; browsing it sends the
    provider's token to the API."""
    grant = await consent(await start(api, _body(google)))
    res = await api.client.get(grant.callback_path)
    assert res.status_code == 200, res.text
    conn = res.json()["qID"]
    res = await api.client.get(f"{BASE}/{conn}/browse", headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    assert [i["name"] for i in res.json()["data"]] == ["sales"]
    assert google.api_calls[-1].startswith("/bigquery/v2/projects/dcaas-test/datasets")
    got = await api.client.get(f"{BASE}/{conn}?parseConnection=true", headers=api.h(api.alice))
    assert got.json()["connectionProperties"]["OAuthMechanism"] == "1"
    assert "accessToken" not in got.text


async def test_oauth_mechanism_1_without_the_flow_is_refused(api, google) -> None:
    """A plain create of an OAuthMechanism 1 connection asks for the flow (DCAAS-7009)."""
    res = await api.client.post(BASE, json=_body(google), headers=api.h(api.alice))
    assert res.status_code == 400, res.text
    assert res.json()["errors"][0]["code"] == "DCAAS-7009"


async def test_service_account_connections_skip_the_flow(api, google) -> None:
    """OAuthMechanism 0 creates directly, even with authUrlOnly (ignored, as Qlik does)."""
    body = _body(google)
    key = [{"name": "key.json", "value": google.key_json()}]
    body["connectionProperties"] |= {"OAuthMechanism": "0", "KeyFilePath": key}
    res = await api.client.post(BASE, json={**body, "authUrlOnly": True}, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    assert "qID" in res.json()
