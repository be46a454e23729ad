"""Separated (per-user) credentials, against a real PostgreSQL on loopback.

A throwaway scram-sha-256 cluster (tests/sql_servers.py) gets two real roles, ``ann_role``
and ``ben_role``, with passwords of their own, and a view ``sales.whoami`` answering
``current_user``: a preview of it shows whose credential a request really signed in with.
Alice (producer) and bob (consumer) share the space ``team``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from tests import sql_servers
from tests.conftest import Api, assert_error
from tests.connection.test_access import _team

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.sql_servers import Db

URL = "/api/v1/data-connections"
CRED = "/api/v1/data-credentials"
ROLES = {"ann_role": "ann-pass-Qw7", "ben_role": "ben-pass-Er8"}


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connectors may reach 127.0.0.1 here (set before the api fixture builds the app)."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")


async def _roles(db: Db) -> None:
    admin = await asyncpg.connect(
        host="127.0.0.1",
        port=db.port,
        user="postgres",
        password="super-" + sql_servers.PASSWORD,
        database=db.database,
        ssl=False,
    )
    try:
        await admin.execute("CREATE VIEW sales.whoami AS SELECT current_user::text AS who")
        for role, password in ROLES.items():
            await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
            await admin.execute(f"GRANT USAGE ON SCHEMA sales TO {role}")
            await admin.execute(f"GRANT SELECT ON sales.whoami TO {role}")
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    """The cluster with roles ann_role and ben_role, each with its own password."""
    with sql_servers.postgres_cluster() as db:
        asyncio.run(_roles(db))
        yield db


def login(role: str, password: str | None = None) -> dict[str, str]:
    return {"username": role, "password": password or ROLES[role]}


def pg_body(db: Db, space: str | None = None, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "qName": f"pg-{len(props)}-{id(props)}",
        "datasourceID": "postgresql",
        "connectionProperties": {
            "host": "127.0.0.1",
            "port": db.port,
            "database": db.database,
            **props,
        },
    }
    if space:
        body["space"] = space
    return body


async def make(api: Api, key: str, body: dict[str, Any]) -> dict[str, Any]:
    res = await api.client.post(URL, json=body, headers=api.h(key))
    assert res.status_code == 201, res.text
    return dict(res.json())


async def whoami(api: Api, key: str, conn: str) -> Any:
    """The role a preview of the connection signed in as (or the error answer)."""
    res = await api.client.get(
        f"{URL}/{conn}/preview", params={"path": "sales/whoami"}, headers=api.h(key)
    )
    return res.json()["rows"][0][0] if res.status_code == 200 else res


async def patch(api: Api, key: str, conn: str, ops: list[dict[str, Any]]) -> None:
    res = await api.client.patch(f"{URL}/{conn}", json=ops, headers=api.h(key))
    assert res.status_code == 204, res.text


def own(name: str, role: str, password: str | None = None) -> list[dict[str, Any]]:
    """Bring one's own credential to a separated connection, by name."""
    creds = login(role, password)
    return [
        {"op": "add", "path": "/connectionProperties/credentialsName", "value": name},
        {"op": "add", "path": "/qUsername", "value": creds["username"]},
        {"op": "add", "path": "/qPassword", "value": creds["password"]},
    ]


async def shared_separated(api: Api, pg: Db) -> tuple[str, str]:
    """Alice's separated connection in the team space, with her own credential: (id, cred)."""
    space, _, _ = await _team(api)
    body = pg_body(pg, space, separateCredentials=True, credentialsName="ann", **login("ann_role"))
    made = await make(api, api.alice, body)
    assert made["qSeparateCredentials"] is True
    assert made["qCredentialsName"] == "ann"
    return made["qID"], made["qCredentialsID"]


async def test_sql_tutorial_patch_separates_an_embedded_connection(api: Api, pg: Db) -> None:
    """Qlik's tutorial PATCH (replace of unset separateCredentials, credentialsName) on a
    PostgreSQL connection: 204, separated, the owner's secrets now her own named record."""
    conn = (await make(api, api.alice, pg_body(pg, **login("ann_role"))))["qID"]
    shared = (await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))).json()
    assert shared["qSeparateCredentials"] is False
    ops = [
        {"op": "replace", "path": "/connectionProperties/separateCredentials", "value": True},
        {"op": "replace", "path": "/connectionProperties/credentialsName", "value": "ann-pg"},
        {"op": "replace", "path": "/connectionProperties/port", "value": pg.port},
    ]
    await patch(api, api.alice, conn, ops)
    got = (await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))).json()
    assert got["qSeparateCredentials"] is True
    assert got["qCredentialsID"] == shared["qCredentialsID"]  # now her own: GET shows it
    res = await api.client.get(f"{CRED}/ann-pg?byCredentialName=true", headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    assert res.json()["qID"] == shared["qCredentialsID"]  # the same record, moved over
    assert res.json()["qSeparated"] == 1
    assert res.json()["qConnCount"] == 1
    assert await whoami(api, api.alice, conn) == "ann_role"


async def test_s3_tutorial_patch_passes_as_written(api: Api) -> None:
    """Qlik's S3 example (replace separateCredentials and credentialsName, which the
    connection has not set) answers 204 and separates the connection's credentials."""
    props = {
        "accessKey": "AKIA-owner-key",
        "secretKey": "owner-secret-Kk9",
        "region": "eu-west-1",
        "bucketName": "tutorial-bucket",
    }
    body = {
        "qName": "s3",
        "datasourceID": "File_AmazonS3ConnectorV2",
        "connectionProperties": props,
    }
    conn = (await make(api, api.alice, body))["qID"]
    tutorial = [
        {"op": "replace", "path": "/connectionProperties/separateCredentials", "value": True},
        {"op": "replace", "path": "/connectionProperties/credentialsName", "value": "s3-creds"},
    ]
    await patch(api, api.alice, conn, tutorial)
    got = await api.client.get(f"{URL}/{conn}?parseConnection=true", headers=api.h(api.alice))
    assert got.json()["qSeparateCredentials"] is True
    assert got.json()["connectionProperties"]["bucketName"] == "tutorial-bucket"
    res = await api.client.get(f"{CRED}/s3-creds?byCredentialName=true", headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    assert (res.json()["qSeparated"], res.json()["qConnCount"]) == (1, 1)


async def test_replace_of_an_unknown_or_removed_member_stays_an_error(api: Api, pg: Db) -> None:
    """Replace of a property no spec knows, and remove of an unset one, stay 400 DCAAS-1007."""
    conn = (await make(api, api.alice, pg_body(pg, **login("ann_role"))))["qID"]
    for op in (
        {"op": "replace", "path": "/connectionProperties/noSuchThing", "value": "x"},
        {"op": "remove", "path": "/connectionProperties/credentialsName"},
    ):
        res = await api.client.patch(f"{URL}/{conn}", json=[op], headers=api.h(api.alice))
        assert_error(res, 400, "DCAAS-1007")


async def test_two_users_each_use_their_own_credential(api: Api, pg: Db) -> None:
    """Alice and bob test and preview one separated connection, each signed in as their own
    role; bob first gets DCAAS-4010, which says how to add his. GET and the list show each
    their own qCredentialsID."""
    conn, ann = await shared_separated(api, pg)
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.bob))
    error = assert_error(res, 400, "DCAAS-4010")
    assert "credentialsName" in error["detail"]
    await patch(api, api.bob, conn, own("ben", "ben_role"))  # a consumer brings his own
    ben = (await api.client.get(f"{CRED}/ben?byCredentialName=true", headers=api.h(api.bob))).json()
    for key, cred in ((api.bob, ben["qID"]), (api.alice, ann)):  # GET shows one's own only
        got = (await api.client.get(f"{URL}/{conn}", headers=api.h(key))).json()
        assert got["qCredentialsID"] == cred
        listed = (await api.client.get(URL, params={"limit": 100}, headers=api.h(key))).json()
        assert {c["qCredentialsID"] for c in listed["data"] if c["qID"] == conn} == {cred}
    for key in (api.alice, api.bob):
        res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(key))
        assert res.json()["status"] == "passed", res.text
    assert await whoami(api, api.alice, conn) == "ann_role"
    assert await whoami(api, api.bob, conn) == "ben_role"


async def test_a_wrong_own_password_fails_only_for_its_user(api: Api, pg: Db) -> None:
    """Bob's wrong password fails his test (DCAAS-6006); alice's still signs in."""
    conn, _ = await shared_separated(api, pg)
    await patch(api, api.bob, conn, own("ben-bad", "ben_role", "wrong-Pp1"))
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.bob))
    assert res.json()["status"] == "failed", res.text
    assert "DCAAS-6006" in {step.get("code") for step in res.json()["steps"]}
    assert await whoami(api, api.alice, conn) == "ann_role"


async def test_nobody_reads_or_uses_another_users_credential(api: Api, pg: Db) -> None:
    """Bob can neither read alice's record nor pick it (by either field); nor can the admin
    pick it; and picking refused changes nothing (bob still has none)."""
    conn, ann = await shared_separated(api, pg)
    assert_error(await api.client.get(f"{CRED}/{ann}", headers=api.h(api.bob)), 404)
    for ops in (
        [{"op": "add", "path": "/connectionProperties/selectedCredentials", "value": ann}],
        [{"op": "add", "path": "/qCredentialsID", "value": ann}],
    ):
        for key in (api.bob, api.admin):
            res = await api.client.patch(f"{URL}/{conn}", json=ops, headers=api.h(key))
            assert_error(res, 404, "DCAAS-4001")
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.bob))
    assert_error(res, 400, "DCAAS-4010")
    mine = pg_body(pg, selectedCredentials=ann, separateCredentials=True)
    res = await api.client.post(URL, json=mine, headers=api.h(api.bob))
    assert_error(res, 404, "DCAAS-4001")


async def test_a_consumer_may_bring_a_credential_and_nothing_else(api: Api, pg: Db) -> None:
    """Bob's patch that also touches the host is refused 403; the connection is unchanged."""
    conn, _ = await shared_separated(api, pg)
    ops = [
        *own("ben", "ben_role"),
        {"op": "replace", "path": "/connectionProperties/host", "value": "127.0.0.9"},
    ]
    res = await api.client.patch(f"{URL}/{conn}", json=ops, headers=api.h(api.bob))
    assert_error(res, 403)
    res = await api.client.get(f"{URL}/{conn}?parseConnection=true", headers=api.h(api.alice))
    assert res.json()["connectionProperties"]["host"] == "127.0.0.1"


async def test_an_existing_credential_is_picked_by_id(api: Api, pg: Db) -> None:
    """Bob's orphaned record is picked with selectedCredentials and used."""
    conn, _ = await shared_separated(api, pg)
    first = await make(
        api,
        api.bob,
        pg_body(pg, separateCredentials=True, credentialsName="ben", **login("ben_role")),
    )
    await api.client.delete(f"{URL}/{first['qID']}", headers=api.h(api.bob))
    pick = [
        {
            "op": "add",
            "path": "/connectionProperties/selectedCredentials",
            "value": first["qCredentialsID"],
        }
    ]
    await patch(api, api.bob, conn, pick)
    assert await whoami(api, api.bob, conn) == "ben_role"


async def test_records_survive_deletion_and_are_orphans(api: Api, pg: Db) -> None:
    """Deleting the connection leaves both users' records, which filter-orphan finds."""
    conn, ann = await shared_separated(api, pg)
    await patch(api, api.bob, conn, own("ben", "ben_role"))
    ben = (await api.client.get(f"{CRED}/ben?byCredentialName=true", headers=api.h(api.bob))).json()
    assert ben["qConnCount"] == 1
    res = await api.client.delete(f"{URL}/{conn}", headers=api.h(api.alice))
    assert res.status_code == 204, res.text
    res = await api.client.post(
        f"{CRED}/actions/filter-orphan", json={"qSeparated": 1}, headers=api.h(api.admin)
    )
    assert {ann, ben["qID"]} <= {c["qID"] for c in res.json()["data"]}


async def test_a_new_destination_detaches_every_users_credential(api: Api, pg: Db) -> None:
    """Alice moves the port: bob's record is no longer used for it (Qlik's rule), nor hers."""
    conn, _ = await shared_separated(api, pg)
    await patch(api, api.bob, conn, own("ben", "ben_role"))
    await patch(
        api,
        api.alice,
        conn,
        [{"op": "replace", "path": "/connectionProperties/port", "value": 5999}],
    )
    await patch(
        api,
        api.alice,
        conn,
        [{"op": "replace", "path": "/connectionProperties/port", "value": pg.port}],
    )
    for key in (api.alice, api.bob):
        assert_error(await whoami(api, key, conn), 400, "DCAAS-4010")


async def test_switching_back_and_forth_by_patch_and_put(api: Api, pg: Db) -> None:
    """PATCH /qSeparateCredentials false embeds alice's own record (bob then uses it); PUT
    with qSeparateCredentials true and qCredentialsName separates again."""
    conn, ann = await shared_separated(api, pg)
    await patch(api, api.bob, conn, own("ben", "ben_role"))
    await patch(
        api, api.alice, conn, [{"op": "replace", "path": "/qSeparateCredentials", "value": False}]
    )
    got = (await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))).json()
    assert (got["qSeparateCredentials"], got["qCredentialsID"]) == (False, ann)
    assert await whoami(api, api.bob, conn) == "ann_role"  # embedded: shared by its users
    put = {k: got[k] for k in ("qID", "qEngineObjectID", "qName", "qType", "qConnectStatement")}
    put |= {"qSeparateCredentials": True, "qCredentialsName": "ann-again"}
    res = await api.client.put(f"{URL}/{conn}", json=put, headers=api.h(api.alice))
    assert res.status_code == 204, res.text
    assert await whoami(api, api.alice, conn) == "ann_role"
    assert_error(await whoami(api, api.bob, conn), 400, "DCAAS-4010")
    res = await api.client.get(f"{CRED}/{ann}", headers=api.h(api.alice))
    assert (res.json()["qName"], res.json()["qSeparated"]) == ("ann-again", 1)


async def test_separating_someone_elses_credential_keeps_nothing(api: Api, pg: Db) -> None:
    """The admin separates alice's embedded connection: alice's secrets do not become the
    admin's record; the admin has none for it (DCAAS-4010)."""
    space, _, _ = await _team(api)
    conn = (await make(api, api.alice, pg_body(pg, space, **login("ann_role"))))["qID"]
    ops = [
        {"op": "replace", "path": "/connectionProperties/separateCredentials", "value": True},
        {"op": "replace", "path": "/connectionProperties/credentialsName", "value": "taken"},
    ]
    await patch(api, api.admin, conn, ops)
    assert_error(await whoami(api, api.admin, conn), 400, "DCAAS-4010")
    res = await api.client.get(f"{CRED}/taken?byCredentialName=true", headers=api.h(api.admin))
    assert_error(res, 404)


async def test_a_copy_stays_separated_with_the_copiers_own_credential(api: Api, pg: Db) -> None:
    """Bob duplicates alice's separated connection with qUsername / qPassword: his copy is
    separated, uses his role, and alice has no credential for it."""
    conn, _ = await shared_separated(api, pg)
    spaces = (await api.client.get("/api/v1/spaces", headers=api.h(api.bob))).json()["data"]
    personal = next(s["id"] for s in spaces if s["type"] == "personal")
    body = {
        "id": conn,
        "name": "bobs-copy",
        "spaceId": personal,
        "qUsername": "ben_role",
        "qPassword": ROLES["ben_role"],
    }
    res = await api.client.post(f"{URL}/actions/duplicate", json=body, headers=api.h(api.bob))
    assert res.status_code == 201, res.text
    copy = res.json()
    assert copy["qSeparateCredentials"] is True
    assert await whoami(api, api.bob, copy["qID"]) == "ben_role"
    assert await whoami(api, api.alice, conn) == "ann_role"


async def test_oauth_sign_ins_cannot_be_separated_yet(api: Api) -> None:
    """separateCredentials on an OAuth sign-in is refused with 400 and a clear field."""
    body = {
        "qName": "oauth-sep",
        "datasourceID": "oauth-rest",
        "connectionProperties": {"url": "https://api.example.com", "separateCredentials": True},
        "authUrlOnly": True,
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    error = assert_error(res, 400)
    assert error["meta"]["field"] == "connectionProperties.separateCredentials"


async def test_a_statement_form_create_separates_with_the_creators_record(api: Api, pg: Db) -> None:
    """Create in the connect-statement form with qSeparateCredentials, qCredentialsName and
    qUsername / qPassword: separated, the creator's record named, used for her only."""
    space, _, _ = await _team(api)
    first = await make(api, api.alice, pg_body(pg, **login("ann_role")))
    body = {
        "qName": "by-statement",
        "qType": first["qType"],
        "datasourceID": "postgresql",
        "qConnectStatement": first["qConnectStatement"],
        "space": space,
        "qSeparateCredentials": True,
        "qCredentialsName": "ann-statement",
        "qUsername": "ann_role",
        "qPassword": ROLES["ann_role"],
    }
    made = await make(api, api.alice, body)
    assert (made["qSeparateCredentials"], made["qCredentialsName"]) == (True, "ann-statement")
    assert await whoami(api, api.alice, made["qID"]) == "ann_role"
    assert_error(await whoami(api, api.bob, made["qID"]), 400, "DCAAS-4010")


async def test_concurrent_bring_your_own_answers_no_500(api: Api, pg: Db) -> None:
    """Bob brings his credential twice at once: each answer is 204 or 409, he ends with one."""
    conn, _ = await shared_separated(api, pg)
    answers = await asyncio.gather(
        *(
            api.client.patch(
                f"{URL}/{conn}", json=own(f"ben-{n}", "ben_role"), headers=api.h(api.bob)
            )
            for n in range(4)
        )
    )
    assert {r.status_code for r in answers} <= {204, 409}, [r.text for r in answers]
    assert 204 in {r.status_code for r in answers}
    assert await whoami(api, api.bob, conn) == "ben_role"
