"""Salesforce (``sfdc``) through the API, against a STAND-IN for Salesforce (see sfdc_standin).

No Salesforce server can run here: a local authlib OAuth provider and a local HTTP server play
its login host and REST API at the true edge. PKCE, refresh and a revoked refresh token behave
as with the other OAuth sources; the connector's calls are Salesforce's REST calls.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.conftest import POSTGRES_URL, assert_error
from tests.connectors.sfdc_standin import SalesforceStandIn
from tests.oauth.conftest import CALLBACK, consent

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import Api

URL = "/api/v1/data-connections"
CLIENT_ID, CLIENT_SECRET = "sfdc-app", "sfdc-secret-" + secrets.token_hex(12)
OPERATOR_ID, OPERATOR_SECRET = "dcaas-sfdc", "op-sfdc-" + secrets.token_hex(12)
# Connector behaviour, not the store: one store is enough here. PostgreSQL for the tests that
# POST .../actions/test: on SQLite that request keeps its write transaction open while the
# OAuth token keeper opens its own (a unit-of-work issue outside this connector), and waits.
ON_SQLITE = pytest.mark.parametrize("api", ["sqlite"], indirect=True)
ON_POSTGRES = pytest.mark.parametrize(
    "api",
    [
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="needs DCAAS_TEST_POSTGRES_URL"),
            ],
        )
    ],
    indirect=True,
)


@pytest.fixture
def salesforce() -> Iterator[SalesforceStandIn]:
    with SalesforceStandIn() as server:
        server.store.clients[CLIENT_ID] = _client(CLIENT_ID, CLIENT_SECRET)
        yield server


def _client(client_id: str, secret: str) -> Any:
    from tests.oauth.authserver import Client  # noqa: PLC0415

    return Client(client_id, secret, [CALLBACK], scope="api refresh_token openid")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs before ``api``: loopback allowed, the operator's connected app configured."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    operator = {"clientId": OPERATOR_ID, "clientSecret": OPERATOR_SECRET}
    monkeypatch.setenv("DCAAS_OAUTH_CLIENTS", json.dumps({"sfdc": operator}))


def body(salesforce: SalesforceStandIn, **props: Any) -> dict[str, Any]:
    own = {"loginUrl": salesforce.base, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    return {"dataSourceId": "sfdc", "qName": "crm", "connectionProperties": own | props}


async def auth_url(api: Api, data: dict[str, Any]) -> Any:
    return await api.client.post(URL, json=data | {"authUrlOnly": True}, headers=api.h(api.alice))


async def connect(api: Api, salesforce: SalesforceStandIn) -> str:
    """The whole flow: authorization URL, consent, the callback creates the connection."""
    res = await auth_url(api, body(salesforce))
    assert res.status_code == 201, res.text
    grant = await consent(res.json()["authUrl"])
    done = await api.client.get(grant.callback_path)
    assert done.status_code == 200, done.text
    return str(done.json()["qID"])


async def run_test(api: Api, qid: str) -> dict[str, Any]:
    res = await api.client.post(f"{URL}/{qid}/actions/test", headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    return {s["name"]: s for s in res.json()["steps"]}


@ON_SQLITE
async def test_authorization_url_uses_pkce_at_the_login_host(api, salesforce):
    """The authorization URL is the login host's /services/oauth2/authorize, with S256 PKCE."""
    res = await auth_url(api, body(salesforce))
    url = urlsplit(res.json()["authUrl"])
    query = parse_qs(url.query)
    assert (
        f"{url.scheme}://{url.netloc}{url.path}" == f"{salesforce.base}/services/oauth2/authorize"
    )
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID]
    assert "refresh_token" in query["scope"][0]


@ON_SQLITE
async def test_operator_app_goes_only_to_salesforce_hosts(api, salesforce):
    """With the operator's app: production and sandbox hosts are used; another host is refused."""
    for login, host in (
        (None, "login.salesforce.com"),
        ("https://test.salesforce.com", "test.salesforce.com"),
        ("https://acme.my.salesforce.com", "acme.my.salesforce.com"),
    ):
        props = {"loginUrl": login} if login else {}
        data = {"dataSourceId": "sfdc", "qName": "op", "connectionProperties": props}
        res = await auth_url(api, data)
        assert res.status_code == 201, res.text
        url = urlsplit(res.json()["authUrl"])
        assert (url.scheme, url.hostname, url.path) == ("https", host, "/services/oauth2/authorize")
        assert parse_qs(url.query)["client_id"] == [OPERATOR_ID]
    data = {
        "dataSourceId": "sfdc",
        "qName": "op",
        "connectionProperties": {"loginUrl": salesforce.base},
    }
    assert_error(await auth_url(api, data), 400, "DCAAS-7002")


@ON_POSTGRES
async def test_connection_passes_test_browse_and_preview(api, salesforce):
    """authenticate, identity and reach-endpoint pass; sObjects, fields and SOQL rows come back."""
    qid = await connect(api, salesforce)
    steps = await run_test(api, qid)
    assert [(n, s["status"]) for n, s in steps.items()] == [
        ("authenticate", "passed"),
        ("identity", "passed"),
        ("reach-endpoint", "passed"),
    ]
    assert "provider-user@example.com" in steps["identity"]["detail"]
    tables = await api.client.get(f"{URL}/{qid}/browse", headers=api.h(api.alice))
    assert [(i["name"], i["type"]) for i in tables.json()["data"]] == [
        ("Account", "table"),
        ("Contact", "table"),
    ]
    fields = await api.client.get(
        f"{URL}/{qid}/browse", params={"path": "Account", "limit": 3}, headers=api.h(api.alice)
    )
    assert [(i["name"], i["extra"]["dataType"]) for i in fields.json()["data"]] == [
        ("Id", "id"),
        ("Name", "string"),
        ("AnnualRevenue", "currency"),
    ]
    assert "next" in fields.json()["links"]
    preview = await api.client.get(
        f"{URL}/{qid}/preview", params={"path": "Account", "limit": 2}, headers=api.h(api.alice)
    )
    assert preview.status_code == 200, preview.text
    got = preview.json()
    assert got["columns"][:4] == ["Id", "Name", "AnnualRevenue", "NumberOfEmployees"]
    assert got["types"][:5] == ["string", "string", "number", "integer", "boolean"]
    assert [r[1] for r in got["rows"]] == ["Account 0", "Account 1"]
    assert got["truncated"] is True
    assert salesforce.queries[-1].endswith("FROM Account LIMIT 3")
    assert "Logo__c" not in salesforce.queries[-1]  # base64 fields cannot be queried in bulk


@ON_POSTGRES
async def test_expired_token_is_refreshed(api, salesforce):
    """An expired access token is refreshed with the refresh token before the calls."""
    salesforce.store.access_lifetime = 1  # inside the refresh margin: every use refreshes
    qid = await connect(api, salesforce)
    before = salesforce.store.token_requests["refresh_token"]
    steps = await run_test(api, qid)
    assert all(s["status"] == "passed" for s in steps.values()), steps
    assert salesforce.store.token_requests["refresh_token"] > before


@ON_POSTGRES
async def test_revoked_refresh_token_needs_reauthentication(api, salesforce):
    """A revoked grant fails authenticate with DCAAS-6012 and marks needs-reauthentication."""
    salesforce.store.access_lifetime = 1
    qid = await connect(api, salesforce)
    salesforce.store.revoke_all()
    steps = await run_test(api, qid)
    assert (steps["authenticate"]["status"], steps["authenticate"]["code"]) == (
        "failed",
        "DCAAS-6012",
    )
    assert steps["authenticate"]["failureClass"] == "re-authenticate"
    assert steps["identity"]["status"] == "skipped"
    got = await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))
    assert got.json()["authStatus"] == "needs-reauthentication"


@ON_POSTGRES
async def test_token_refused_by_the_api_asks_to_reauthenticate(api, salesforce):
    """An access token the API refuses (401) fails identity with class re-authenticate."""
    qid = await connect(api, salesforce)
    salesforce.store.revoke_all()  # the access token is still within its lifetime here
    steps = await run_test(api, qid)
    assert steps["authenticate"]["status"] == "passed"
    assert steps["identity"]["failureClass"] == "re-authenticate"


@ON_SQLITE
async def test_unknown_sobject_preview_is_not_found(api, salesforce):
    """Previewing an sObject the org does not have is a 404 in the envelope."""
    qid = await connect(api, salesforce)
    res = await api.client.get(
        f"{URL}/{qid}/preview", params={"path": "Nope"}, headers=api.h(api.alice)
    )
    assert_error(res, 404, "DCAAS-6008")


@ON_POSTGRES
async def test_secrets_never_in_answers(api, salesforce):
    """The client secret and the tokens appear in no answer: GET, parseConnection, test."""
    qid = await connect(api, salesforce)
    answers = [
        await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice)),
        await api.client.get(
            f"{URL}/{qid}", params={"parseConnection": "true"}, headers=api.h(api.alice)
        ),
        await api.client.post(f"{URL}/{qid}/actions/test", headers=api.h(api.alice)),
    ]
    text = " ".join(a.text for a in answers)
    tokens = [t.access_token for t in salesforce.store.tokens]
    tokens += [t.refresh_token or "" for t in salesforce.store.tokens]
    for secret in [CLIENT_SECRET, *filter(None, tokens)]:
        assert secret not in text
    props = answers[1].json()["connectionProperties"]
    assert props["loginUrl"] == salesforce.base
    assert "clientSecret" not in props


def test_preview_selects_fields_that_fit_a_query() -> None:
    """A preview selects no base64 field, and only as many fields as fit one query URL."""
    from dcaas.connectors.drivers.salesforce import _selectable  # noqa: PLC0415

    fields = [{"name": "Logo__c", "type": "base64"}] + [
        {"name": f"Field_{i:04}_Name__c", "type": "string"} for i in range(1000)
    ]
    chosen = _selectable(fields)
    assert "Logo__c" not in [f["name"] for f in chosen]
    assert 100 < len(chosen) < 1000
    assert sum(len(f["name"]) + 2 for f in chosen) <= 6000
