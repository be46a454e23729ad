"""The engine endpoints: who may get a connection's secrets, what they get, and the record."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from tests import log_guard
from tests.conftest import TEST_SECRET, assert_error

from dcaas.bootstrap import create_key

CONNECTIONS = "/api/v1/data-connections"
FILTER = "/api/v1/data-sources/endpoints/actions/filter"
ENDPOINTS = "/api/v1/data-sources/endpoints"
RELEASES = "/api/v1/data-sources/endpoints/releases"
PASSWORD = "engine-pw-7Qz1xVb3"
HEADER_SECRET = "engine-header-9Lk2mWq8"
log_guard.remember(PASSWORD, HEADER_SECRET)  # in no log line of the run


async def engine_key(api: Any, user: str, tenant: str = "acme") -> str:
    """An engine key for an existing user (what `dcaas apikey create --engine` makes)."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    issued = await create_key(state.sessions, tenant=tenant, user=user, admin=False, engine=True)
    return issued.token


async def rest_connection(api: Any, key: str, name: str = "rest-basic", **extra: Any) -> str:
    body = {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {
            "url": "https://api.example.com/v1",
            "authSchema": "basic",
            "username": "reader",
            "password": PASSWORD,
            "queryHeaders": [{"name": "X-Api-Key", "value": HEADER_SECRET, "encrypt": True}],
        },
        **extra,
    }
    r = await api.client.post(CONNECTIONS, json=body, headers=api.h(key))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_plain_user_gets_403(api) -> None:
    """A user without the engine grant is refused with DCAAS-5040, even for its own connection."""
    conn = await rest_connection(api, api.alice)
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(api.alice))
    assert_error(r, 403, "DCAAS-5040")


async def test_tenant_admin_without_grant_gets_403(api) -> None:
    """Being a tenant admin is not the engine grant."""
    conn = await rest_connection(api, api.admin)
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(api.admin))
    assert_error(r, 403, "DCAAS-5040")


async def test_engine_key_gets_the_secrets(api) -> None:
    """An engine key of the connection's user gets user, password and every secret property."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    r = await api.client.post(
        FILTER, json={"connectionId": conn, "reloadId": "reload-1"}, headers=api.h(engine)
    )
    assert r.status_code == 201, r.text
    instance = r.json()["connection"]
    assert instance["connectionId"] == conn
    assert instance["user"] == "reader"
    assert instance["password"] == PASSWORD
    assert HEADER_SECRET in instance["connectionString"]
    assert "url=https://api.example.com/v1" in instance["connectionString"]
    assert instance["dataInterfaceType"] == "data"
    assert instance["spaceQualifiedConnectionName"] == ":rest-basic"


async def test_by_name_in_personal_space(api) -> None:
    """``:Name`` without spaceId resolves in the caller's personal space."""
    await rest_connection(api, api.alice, name="by-name")
    engine = await engine_key(api, "alice")
    r = await api.client.post(FILTER, json={"connectionName": ":by-name"}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    assert r.json()["connection"]["password"] == PASSWORD


async def test_by_space_qualified_name(api) -> None:
    """``Space:Name`` resolves in the named shared space the engine's user may use."""
    r = await api.client.post(
        "/api/v1/spaces", json={"name": "Finance", "type": "shared"}, headers=api.h(api.admin)
    )
    assert r.status_code == 201, r.text
    space = r.json()["id"]
    conn = await rest_connection(api, api.admin, name="ledger", space=space)
    engine = await engine_key(api, "admin")
    r = await api.client.post(
        FILTER, json={"connectionName": "Finance:ledger"}, headers=api.h(engine)
    )
    assert r.status_code == 201, r.text
    assert r.json()["connection"]["connectionId"] == conn
    assert r.json()["connection"]["spaceQualifiedConnectionName"] == "Finance:ledger"


async def test_by_connection_string(api) -> None:
    """A connection's own qConnectStatement finds it."""
    conn = await rest_connection(api, api.alice)
    got = await api.client.get(f"{CONNECTIONS}/{conn}", headers=api.h(api.alice))
    statement = got.json()["qConnectStatement"]
    assert PASSWORD not in statement
    engine = await engine_key(api, "alice")
    r = await api.client.post(FILTER, json={"connectionString": statement}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    assert r.json()["connection"]["connectionId"] == conn


async def test_engine_of_another_user_cannot_see_personal_connection(api) -> None:
    """The grant adds no reach: bob's engine key does not find alice's personal connection."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "bob")
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    assert_error(r, 404, "DCAAS-3001")


async def test_never_across_tenants(api) -> None:
    """An engine key of another tenant gets 404 for the connection, and no secret."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "mallory", tenant="evil")
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    assert_error(r, 404, "DCAAS-3001")
    assert PASSWORD not in r.text


async def test_release_is_listed_without_the_secret(api) -> None:
    """Admins list who got which connection, when and for which reload; never the secret."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    before = time.time()
    r = await api.client.post(
        FILTER, json={"connectionId": conn, "reloadId": "reload-42"}, headers=api.h(engine)
    )
    assert r.status_code == 201, r.text
    listed = await api.client.get(RELEASES, headers=api.h(api.admin))
    assert listed.status_code == 200, listed.text
    assert PASSWORD not in listed.text
    assert HEADER_SECRET not in listed.text
    (record,) = listed.json()["data"]
    assert record["connectionId"] == conn
    assert record["subject"] == "alice"
    assert record["reloadId"] == "reload-42"
    assert record["outcome"] == "released"
    assert record["via"] == "api_key"
    from datetime import datetime  # noqa: PLC0415

    assert datetime.fromisoformat(record["created"]).timestamp() >= before - 1


async def test_refusal_is_recorded(api) -> None:
    """A release that fails (unknown connection) is recorded as refused, with its code."""
    engine = await engine_key(api, "alice")
    missing = "00000000-0000-4000-8000-000000000000"
    r = await api.client.post(
        FILTER, json={"connectionId": missing, "reloadId": "r-9"}, headers=api.h(engine)
    )
    assert_error(r, 404, "DCAAS-3001")
    listed = (await api.client.get(RELEASES, headers=api.h(api.admin))).json()["data"]
    assert [(x["connectionId"], x["outcome"], x["code"]) for x in listed] == [
        (missing, "refused", "DCAAS-3001")
    ]


async def test_releases_are_admin_only(api) -> None:
    """A plain user, and an engine key, may not list release records."""
    engine = await engine_key(api, "alice")
    for key in (api.alice, engine):
        assert_error(await api.client.get(RELEASES, headers=api.h(key)), 403, "DCAAS-5011")


async def test_releases_of_another_tenant_are_not_listed(api) -> None:
    """Another tenant's admin sees none of this tenant's records."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    state = api.app.state.dcaas
    evil_admin = (
        await create_key(state.sessions, tenant="evil", user="evil-admin", admin=True)
    ).token
    listed = await api.client.get(RELEASES, headers=api.h(evil_admin))
    assert listed.status_code == 200, listed.text
    assert listed.json()["data"] == []


async def test_one_way_to_ask(api) -> None:
    """A body naming no connection, or two, is a 400 in the envelope and records nothing."""
    engine = await engine_key(api, "alice")
    for body in ({}, {"connectionId": "a", "dataSourceId": "rest"}, {"reloadId": "x"}):
        r = await api.client.post(FILTER, json=body, headers=api.h(engine))
        assert_error(r, 400)
    listed = (await api.client.get(RELEASES, headers=api.h(api.admin))).json()["data"]
    assert listed == []


async def test_endpoints_empty_then_registered(api) -> None:
    """The endpoint list is empty until an admin registers one; releases then name it."""
    engine = await engine_key(api, "alice")
    r = await api.client.get(ENDPOINTS, headers=api.h(engine))
    assert r.status_code == 200, r.text
    assert r.json() == {"endpoints": []}
    body = {"dataSourceId": "rest", "url": "grpc://engine.internal:50051"}
    assert_error(await api.client.post(ENDPOINTS, json=body, headers=api.h(api.alice)), 403)
    r = await api.client.post(ENDPOINTS, json=body, headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    ref = r.json()
    assert ref["dataSourceId"] == "rest"
    listed = (await api.client.get(ENDPOINTS, headers=api.h(engine))).json()["endpoints"]
    assert [e["id"] for e in listed] == [ref["id"]]
    r = await api.client.post(FILTER, json={"dataSourceId": "rest"}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    assert r.json() == {"endpoint": ref}
    gone = await api.client.delete(f"{ENDPOINTS}/{ref['id']}", headers=api.h(api.admin))
    assert gone.status_code == 204
    assert (await api.client.get(ENDPOINTS, headers=api.h(engine))).json() == {"endpoints": []}


async def test_plain_user_may_not_list_endpoints(api) -> None:
    """The endpoint list is for engines and admins."""
    assert_error(await api.client.get(ENDPOINTS, headers=api.h(api.alice)), 403, "DCAAS-5040")


def _jwt(**claims: Any) -> str:
    base = {"tenantId": "jwt-co", "sub": "reloader", "exp": int(time.time()) + 600, **claims}
    return jwt.encode(base, TEST_SECRET, algorithm="HS256")


async def test_jwt_engine_scope(api) -> None:
    """A JWT with the engine scope is an engine; the same user's token without it is not."""
    plain = {"Authorization": f"Bearer {_jwt()}"}
    scoped = {"Authorization": f"Bearer {_jwt(scope='openid dcaas:engine')}"}
    body = {
        "qName": "jwt-rest",
        "datasourceID": "rest",
        "connectionProperties": {
            "url": "https://api.example.com/v1",
            "authSchema": "basic",
            "username": "reader",
            "password": PASSWORD,
        },
    }
    r = await api.client.post(CONNECTIONS, json=body, headers=plain)
    assert r.status_code == 201, r.text
    conn = r.json()["id"]
    assert_error(await api.client.post(FILTER, json={"connectionId": conn}, headers=plain), 403)
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=scoped)
    assert r.status_code == 201, r.text
    assert r.json()["connection"]["password"] == PASSWORD


async def test_only_admins_create_engine_keys(api) -> None:
    """A plain user cannot mint itself an engine key; an admin can, and the key shows it."""
    body = {"description": "reloads", "scopes": ["engine"]}
    r = await api.client.post("/api/v1/api-keys", json=body, headers=api.h(api.alice))
    assert_error(r, 403, "DCAAS-5011")
    r = await api.client.post("/api/v1/api-keys", json=body, headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == ["engine"]
    key = r.json()["token"]
    conn = await rest_connection(api, api.admin)
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(key))
    assert r.status_code == 201, r.text


async def test_revoked_engine_key_is_refused(api) -> None:
    """Revoking the key revokes the grant at once."""
    body = {"scopes": ["engine"]}
    created = (
        await api.client.post("/api/v1/api-keys", json=body, headers=api.h(api.admin))
    ).json()
    conn = await rest_connection(api, api.admin)
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(created["token"]))
    assert r.status_code == 201, r.text
    gone = await api.client.delete(f"/api/v1/api-keys/{created['id']}", headers=api.h(api.admin))
    assert gone.status_code == 204
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(created["token"]))
    assert_error(r, 401, "DCAAS-5004")


@pytest.mark.settings(rate_limit_tier2="3/minute")
async def test_releases_are_rate_limited(api) -> None:
    """The engine endpoint counts in the caller's write tier (per user: alice's create and
    her engine key's releases together): past it, 429 and no secret."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    answers = [
        await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
        for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [201, 201, 429]
    assert PASSWORD not in answers[2].text


async def test_the_secret_is_in_no_other_answer(api) -> None:
    """After a release, no read of the connection, its credential, the endpoints or the
    records, by its owner, the admin or the engine, carries the secret."""
    conn = await rest_connection(api, api.alice)
    engine = await engine_key(api, "alice")
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    assert PASSWORD in r.text  # the one answer that carries it
    reads = [
        (f"{CONNECTIONS}/{conn}", api.alice),
        (f"{CONNECTIONS}/{conn}?parseConnection=true", api.alice),
        (CONNECTIONS, api.alice),
        (f"{CONNECTIONS}/{conn}", engine),
        (CONNECTIONS, api.admin),
        ("/api/v1/data-credentials", api.alice),
        ("/api/v1/data-credentials", api.admin),
        (ENDPOINTS, engine),
        (RELEASES, api.admin),
    ]
    for url, key in reads:
        got = await api.client.get(url, headers=api.h(key))
        assert got.status_code == 200, (url, got.text)
        assert PASSWORD not in got.text, url
        assert HEADER_SECRET not in got.text, url


async def test_check_credentials_on_a_separated_connection_without_one(api) -> None:
    """A separated connection the caller has no credential for: checkCredentials refuses
    (400 DCAAS-4010, as a test by this caller); without it the connection is released with
    no secret."""
    body = {
        "qName": "separated",
        "datasourceID": "rest",
        "connectionProperties": {
            "url": "https://api.example.com/v1",
            "authSchema": "basic",
            "separateCredentials": True,
        },
    }
    r = await api.client.post(CONNECTIONS, json=body, headers=api.h(api.alice))
    assert r.status_code == 201, r.text
    conn = r.json()["id"]
    engine = await engine_key(api, "alice")
    asked = {"connectionId": conn, "checkCredentials": True}
    r = await api.client.post(FILTER, json=asked, headers=api.h(engine))
    assert_error(r, 400, "DCAAS-4010")
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    assert "password" not in r.json()["connection"]
