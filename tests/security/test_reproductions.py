"""Issue 10's findings on the secret boundary and roles, each reproduced as the insider did it.

Carol owns the victims in the shared space ``team``; alice is a producer there, bob a
consumer. Each attack that is refused is followed, where it helps, by a control: the same
change with every secret given anew by the attacker reaches the capture (so the capture is
live) carrying only the attacker's values.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text
from tests.conftest import assert_error
from tests.security.capture import leaked
from tests.security.values import service_account
from tests.security.world import URL, Victim, World

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.asyncio(loop_scope="module")


def marked(label: str) -> str:
    return f"victim-{label}-{secrets.token_hex(10)}"


def attacker(label: str) -> str:
    return f"attacker-{label}-{secrets.token_hex(6)}"


def replace(path: str, value: Any) -> dict[str, Any]:
    """An ``add``: it replaces a member that exists and adds one that does not."""
    return {"op": "add", "path": path, "value": value}


async def tried(world: World, role: str, conn: str, ops: list[Any]) -> httpx.Response:
    return await world.api.client.post(
        f"{URL}/{conn}/actions/test", json=ops, headers=world.h(role)
    )


async def rest_victim(world: World, url: str = "https://api.example.com/v1") -> Victim:
    user, password, key = marked("user"), marked("password"), marked("api-key")
    props = {
        "url": url,
        "authSchema": "basic",
        "username": user,
        "password": password,
        "queryHeaders": [{"name": "X-Api-Key", "value": key, "encrypt": True}],
    }
    return await world.create("rest", props, [user, password, key])


async def stored_text(world: World) -> str:
    """Every row of connections and credentials, as text (what an echo log or a dump shows)."""
    async with world.api.app.state.dcaas.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = [
            (await conn.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608 - fixed names
            for table in ("connections", "credentials")
        ]
    return repr(rows)


# -- 1. sending a shared connection's secrets somewhere new ----------------------------------
async def test_rest_new_url_with_a_touched_bearer_token_gets_no_secret(world: World) -> None:
    """REST: url -> capture + bearerToken touched: consumer 403, producer 1014, nothing sent."""
    victim = await rest_victim(world)
    mark = world.recorder.mark()
    ops = [
        replace("/connectionProperties/url", world.http.url + "/steal"),
        replace("/connectionProperties/bearerToken", attacker("token")),
    ]
    assert_error(await tried(world, "consumer", victim.id, ops), 403, "DCAAS-5005")
    error = assert_error(await tried(world, "producer", victim.id, ops), 400, "DCAAS-1014")
    assert error["meta"]["changed"] == ["url"]
    assert error["meta"]["missing"] == [
        "/connectionProperties/password",
        "/connectionProperties/queryHeaders/0/value",
        "/connectionProperties/username",
    ]
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("admin"))
    assert_error(res, 400, "DCAAS-1014")
    assert world.recorder.since(mark) == b""
    # Control: with every secret the attacker's own, the test reaches the capture.
    own = [attacker("user"), attacker("password"), attacker("key")]
    ops = [
        replace("/connectionProperties/url", world.http.url + "/steal"),
        replace("/connectionProperties/username", own[0]),
        replace("/connectionProperties/password", own[1]),
        replace("/connectionProperties/queryHeaders/0/value", own[2]),
    ]
    res = await tried(world, "producer", victim.id, ops)
    assert res.status_code == 200, res.text
    seen = world.recorder.since(mark)
    assert leaked(seen, own) == sorted(own)
    assert leaked(seen, victim.needles) == []


async def test_postgres_new_host_with_a_touched_username_gets_no_password(world: World) -> None:
    """PostgreSQL: host/port -> a server asking for cleartext, username touched: refused."""
    user, password = marked("user"), marked("password")
    props = {"host": "127.0.0.2", "port": 5432, "database": "shop"}
    victim = await world.create(
        "postgresql", {**props, "username": user, "password": password}, [user, password]
    )
    mark = world.recorder.mark()
    ops = [
        replace("/connectionProperties/host", "127.0.0.1"),
        replace("/connectionProperties/port", world.pg.port),
        replace("/connectionProperties/username", attacker("user")),
    ]
    error = assert_error(await tried(world, "producer", victim.id, ops), 400, "DCAAS-1014")
    assert error["meta"]["changed"] == ["host", "port"]
    assert error["meta"]["missing"] == ["/connectionProperties/password"]
    assert world.recorder.since(mark) == b""
    own = attacker("password")
    res = await tried(
        world, "producer", victim.id, [*ops, replace("/connectionProperties/password", own)]
    )
    assert res.status_code == 200, res.text
    seen = world.recorder.since(mark)
    assert leaked(seen, [own]) == [own]  # the fake server did get a cleartext password
    assert leaked(seen, victim.needles) == []


async def test_s3_added_endpoint_url_gets_no_key(world: World) -> None:
    """S3: add /connectionProperties/endpointUrl, no secret touched: refused, nothing signed."""
    access, secret = marked("access"), marked("secret")
    victim = await world.create(
        "File_AmazonS3ConnectorV2",
        # Path style: the bucket is not a subdomain of the endpoint (an IP address here).
        {"accessKey": access, "secretKey": secret, "bucketName": "vb1", "forcePathStyle": True},
        [access, secret],
    )
    mark = world.recorder.mark()
    ops = [{"op": "add", "path": "/connectionProperties/endpointUrl", "value": world.http.url}]
    error = assert_error(await tried(world, "producer", victim.id, ops), 400, "DCAAS-1014")
    assert error["meta"]["missing"] == [
        "/connectionProperties/accessKey",
        "/connectionProperties/secretKey",
    ]
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("producer"))
    assert_error(res, 400, "DCAAS-1014")
    assert world.recorder.since(mark) == b""
    own = attacker("access")
    ops += [
        replace("/connectionProperties/accessKey", own),
        replace("/connectionProperties/secretKey", attacker("secret")),
    ]
    res = await tried(world, "producer", victim.id, ops)
    assert res.status_code == 200, res.text
    seen = world.recorder.since(mark)
    assert leaked(seen, [own]) == [own]  # a signed request did arrive, under the attacker's key
    assert leaked(seen, victim.needles) == []


async def test_gcs_endpoint_url_gets_no_bearer_token(world: World) -> None:
    """GCS: endpointUrl -> capture: refused; no token issued for the victim's key leaves."""
    document, needles = service_account(world)
    victim = await world.create(
        "File_GoogleCloudStorageConnector",
        {"serviceAccountKeyFile": [{"name": "key.json", "value": document}], "bucketName": "vb1"},
        needles,
    )
    issued, mark = len(world.token.issued), world.recorder.mark()
    ops = [replace("/connectionProperties/endpointUrl", world.http.url)]
    error = assert_error(await tried(world, "producer", victim.id, ops), 400, "DCAAS-1014")
    assert error["meta"]["missing"] == ["/connectionProperties/serviceAccountKeyFile"]
    assert world.recorder.since(mark) == b""
    assert len(world.token.issued) == issued  # the victim's key was not even used
    own, _ = service_account(world)
    ops.append(
        replace("/connectionProperties/serviceAccountKeyFile", [{"name": "k", "value": own}])
    )
    res = await tried(world, "producer", victim.id, ops)
    assert res.status_code == 200, res.text
    seen = world.recorder.since(mark)
    assert leaked(seen, world.token.issued[issued:]) != []  # the attacker's own token arrived
    assert leaked(seen, victim.needles) == []


async def test_oauth_rest_new_url_gets_no_access_token(world: World) -> None:
    """oauth-rest: a new url drops the tokens (re-authorize); nothing reaches the capture."""
    victim = await world.operator_oauth_victim()
    mark = world.recorder.mark()
    ops = [replace("/connectionProperties/url", world.http.url + "/me")]
    assert_error(await tried(world, "consumer", victim.id, ops), 403, "DCAAS-5005")
    res = await tried(world, "producer", victim.id, ops)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "failed"
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("producer"))
    assert res.status_code == 204, res.text
    got = (await world.api.client.get(f"{URL}/{victim.id}", headers=world.h("owner"))).json()
    assert got["authStatus"] == "needs-reauthentication"
    assert "qCredentialsID" not in got
    res = await world.api.client.get(f"{URL}/{victim.id}/preview", headers=world.h("owner"))
    assert_error(res, 400, "DCAAS-6012")
    assert world.recorder.since(mark) == b""


async def test_oauth_own_app_new_url_needs_the_client_secret(world: World) -> None:
    """An OAuth connection on the tenant's own app keeps its client secret only in place."""
    victim = await world.victim("oauth-rest", "url")
    ops = [replace("/connectionProperties/url", world.http.url + "/me")]
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("producer"))
    error = assert_error(res, 400, "DCAAS-1014")
    assert error["meta"]["missing"] == ["/connectionProperties/clientSecret"]


async def test_put_moving_the_host_needs_the_password(world: World) -> None:
    """PUT that moves the host keeps no stored password: 1014 without it, its own with it."""
    user, password = marked("user"), marked("password")
    victim = await world.create(
        "postgresql",
        {
            "host": "127.0.0.2",
            "port": 5432,
            "database": "d",
            "username": user,
            "password": password,
        },
        [user, password],
    )
    statement = world.statement_with(victim, "host", "127.0.0.1")
    body = {
        "qID": victim.id,
        "qEngineObjectID": victim.id,
        "qName": "moved",
        "qType": "QvOdbcConnectorPackage.exe",
        "qConnectStatement": statement,
    }
    res = await world.api.client.put(f"{URL}/{victim.id}", json=body, headers=world.h("producer"))
    error = assert_error(res, 400, "DCAAS-1014")
    assert error["meta"]["missing"] == [
        "/connectionProperties/password",
        "/connectionProperties/username",
    ]
    body |= {"qUsername": attacker("user"), "qPassword": attacker("password")}
    res = await world.api.client.put(f"{URL}/{victim.id}", json=body, headers=world.h("producer"))
    assert res.status_code == 204, res.text
    payload = await world.payload(victim.id)
    assert payload["password"] == body["qPassword"]
    assert leaked(repr(payload).encode(), victim.needles) == []


# -- 2. a consumer's copy -------------------------------------------------------------------
async def test_consumer_duplicate_copies_no_secret(world: World) -> None:
    """A consumer's copy has no credential; pointed at the capture it carries nothing stored."""
    victim = await rest_victim(world)
    body = {"id": victim.id, "name": "bobs-copy", "spaceId": world.personal["consumer"]}
    res = await world.api.client.post(
        f"{URL}/actions/duplicate", json=body, headers=world.h("consumer")
    )
    assert res.status_code == 201, res.text
    copy = res.json()["qID"]
    assert "qCredentialsID" not in res.json()
    mark = world.recorder.mark()
    ops = [replace("/connectionProperties/url", world.http.url + "/copy")]
    res = await world.api.client.patch(f"{URL}/{copy}", json=ops, headers=world.h("consumer"))
    assert res.status_code == 204, res.text
    res = await world.api.client.get(f"{URL}/{copy}/preview", headers=world.h("consumer"))
    assert res.status_code == 200, res.text
    seen = world.recorder.since(mark)
    assert b"X-Api-Key" in seen  # the header went, empty
    assert leaked(seen, victim.needles) == []


async def test_manager_duplicate_keeps_secrets_behind_the_boundary(world: World) -> None:
    """A producer's copy holds the secrets in a record of its own; moving it needs them anew."""
    victim = await rest_victim(world)
    body = {"id": victim.id, "name": "alices-copy", "spaceId": world.personal["producer"]}
    res = await world.api.client.post(
        f"{URL}/actions/duplicate", json=body, headers=world.h("producer")
    )
    assert res.status_code == 201, res.text
    copy = res.json()["qID"]
    original = await world.payload(victim.id)
    assert await world.payload(copy) == original
    ids = {
        (await world.api.client.get(f"{URL}/{c}", headers=world.h("admin"))).json()[
            "qCredentialsID"
        ]
        for c in (copy, victim.id)
    }
    assert len(ids) == 2
    ops = [replace("/connectionProperties/url", world.http.url + "/copy")]
    res = await world.api.client.patch(f"{URL}/{copy}", json=ops, headers=world.h("producer"))
    assert_error(res, 400, "DCAAS-1014")


# -- 3. downgrading a secret -------------------------------------------------------------------
async def test_encrypted_header_cannot_be_made_plain(world: World) -> None:
    """encrypt true -> false without a new value: 4005; the value shows nowhere."""
    victim = await rest_victim(world)
    conn = f"{URL}/{victim.id}"
    for op in (
        replace("/connectionProperties/queryHeaders/0/encrypt", value=False),
        {"op": "remove", "path": "/connectionProperties/queryHeaders/0/encrypt"},
    ):
        res = await world.api.client.patch(conn, json=[op], headers=world.h("owner"))
        assert_error(res, 400, "DCAAS-4005")
    got = await world.api.client.get(
        conn, params={"parseConnection": "true"}, headers=world.h("owner")
    )
    assert leaked(got.text.encode(), victim.needles) == []
    assert leaked((await stored_text(world)).encode(), victim.needles) == []
    ops = [
        replace("/connectionProperties/queryHeaders/0/encrypt", value=False),
        replace("/connectionProperties/queryHeaders/0/value", "now-public"),
    ]
    res = await world.api.client.patch(conn, json=ops, headers=world.h("owner"))
    assert res.status_code == 204, res.text
    got = await world.api.client.get(
        conn, params={"parseConnection": "true"}, headers=world.h("owner")
    )
    assert got.json()["connectionProperties"]["queryHeaders"][0]["value"] == "now-public"


async def test_renamed_encrypted_item_keeps_no_value(world: World) -> None:
    """Renaming an encrypted header without giving its value is refused (1014)."""
    victim = await rest_victim(world)
    ops = [replace("/connectionProperties/queryHeaders/0/name", "Referer")]
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("owner"))
    error = assert_error(res, 400, "DCAAS-1014")
    assert error["meta"]["missing"] == ["/connectionProperties/queryHeaders/0/value"]


# -- inputs that answered 500 -------------------------------------------------------------------
async def test_removing_an_encrypted_value_is_a_400(world: World) -> None:
    """remove /connectionProperties/queryHeaders/0/value: 400 DCAAS-1007, not a KeyError."""
    victim = await rest_victim(world)
    ops = [{"op": "remove", "path": "/connectionProperties/queryHeaders/0/value"}]
    res = await world.api.client.patch(f"{URL}/{victim.id}", json=ops, headers=world.h("owner"))
    assert_error(res, 400, "DCAAS-1007")


async def test_removing_the_credential_drops_secrets_and_answers_no_500(world: World) -> None:
    """remove /qCredentialsID: the encrypted value goes with it; test, browse, preview work."""
    victim = await rest_victim(world, world.http.url + "/victim")
    conn = f"{URL}/{victim.id}"
    ops = [{"op": "remove", "path": "/qCredentialsID"}]
    res = await world.api.client.patch(conn, json=ops, headers=world.h("owner"))
    assert res.status_code == 204, res.text
    mark = world.recorder.mark()
    res = await world.api.client.post(f"{conn}/actions/test", headers=world.h("owner"))
    assert res.status_code == 200, res.text
    for what in ("browse", "preview"):
        res = await world.api.client.get(f"{conn}/{what}", headers=world.h("owner"))
        assert res.status_code == 200, res.text
    got = await world.api.client.get(
        conn, params={"parseConnection": "true"}, headers=world.h("owner")
    )
    assert "qCredentialsID" not in got.json()
    assert got.json()["connectionProperties"]["queryHeaders"] == [
        {"name": "X-Api-Key", "encrypt": True}
    ]
    assert leaked(world.recorder.since(mark), victim.needles) == []


# -- roles ---------------------------------------------------------------------------------
async def test_test_with_a_patch_is_404_for_who_cannot_see(world: World) -> None:
    """Another tenant testing a patch of the connection gets 404, as for any other route."""
    victim = await rest_victim(world)
    ops = [replace("/connectionProperties/url", world.http.url)]
    res = await world.api.client.post(
        f"{URL}/{victim.id}/actions/test", json=ops, headers=world.api.h(world.api.mallory)
    )
    assert_error(res, 404, "DCAAS-3001")


async def test_consumer_may_still_use_the_saved_connection(world: World) -> None:
    """A consumer tests, browses and previews the saved connection as it is."""
    victim = await rest_victim(world, world.http.url + "/saved")
    conn = f"{URL}/{victim.id}"
    for res in (
        await world.api.client.post(f"{conn}/actions/test", headers=world.h("consumer")),
        await world.api.client.post(f"{conn}/actions/test", json=[], headers=world.h("consumer")),
        await world.api.client.get(f"{conn}/browse", headers=world.h("consumer")),
        await world.api.client.get(f"{conn}/preview", headers=world.h("consumer")),
    ):
        assert res.status_code == 200, res.text


async def test_admin_cannot_point_a_connection_at_another_users_credential(world: World) -> None:
    """An existing credential is usable by its owner only, tenant admins included."""
    victim = await rest_victim(world)
    cred = (await world.api.client.get(f"{URL}/{victim.id}", headers=world.h("admin"))).json()[
        "qCredentialsID"
    ]
    body = {
        "qName": "admins",
        "datasourceID": "rest",
        "connectionProperties": {"url": world.http.url, "selectedCredentials": cred},
    }
    res = await world.api.client.post(URL, json=body, headers=world.h("admin"))
    assert_error(res, 404, "DCAAS-4001")
    res = await world.api.client.post(f"{URL}/actions/test", json=body, headers=world.h("admin"))
    assert_error(res, 404, "DCAAS-4001")
    own = await world.api.client.post(
        URL,
        json={**body, "qName": "own", "connectionProperties": {"url": world.http.url}},
        headers=world.h("admin"),
    )
    ops = [replace("/qCredentialsID", cred)]
    res = await world.api.client.patch(
        f"{URL}/{own.json()['qID']}", json=ops, headers=world.h("admin")
    )
    assert_error(res, 404, "DCAAS-4001")
