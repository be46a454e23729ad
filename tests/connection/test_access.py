"""Who may see and change a data connection: personal spaces, shared spaces, other tenants."""

from __future__ import annotations

from typing import Any

from tests.conftest import assert_error

URL = "/api/v1/data-connections"


def rest_body(name: str, space: str | None = None) -> dict[str, Any]:
    """A minimal REST connection body in the properties form."""
    body: dict[str, Any] = {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com/v1"},
    }
    if space is not None:
        body["space"] = space
    return body


async def create(api, key: str, name: str, space: str | None = None) -> dict[str, Any]:
    """Create a connection as the key's user and return the answer."""
    r = await api.client.post(URL, json=rest_body(name, space), headers=api.h(key))
    assert r.status_code == 201, r.text
    return r.json()


async def user_id(api, key: str) -> str:
    """The user id behind a key (the sub of its own API keys)."""
    r = await api.client.get("/api/v1/api-keys", headers=api.h(key))
    assert r.status_code == 200, r.text
    subs = {k["sub"] for k in r.json()["data"]}
    assert len(subs) == 1
    return subs.pop()


async def ids_listed(api, key: str, **params: Any) -> tuple[set[str], int]:
    """Ids on the first page of a list (limit 100) and meta.count."""
    r = await api.client.get(URL, params={"limit": 100, **params}, headers=api.h(key))
    assert r.status_code == 200, r.text
    body = r.json()
    return {c["id"] for c in body["data"]}, body["meta"]["count"]


async def test_personal_connection_hidden_from_other_user(api) -> None:
    """Bob cannot GET alice's personal connection: 404 DCAAS-3001."""
    conn = await create(api, api.alice, "alice-private")
    r = await api.client.get(f"{URL}/{conn['id']}", headers=api.h(api.bob))
    assert_error(r, 404, "DCAAS-3001")
    r = await api.client.get(f"{URL}/{conn['id']}", headers=api.h(api.alice))
    assert r.status_code == 200, r.text


async def test_personal_connection_hidden_from_other_user_patch_delete(api) -> None:
    """Bob cannot PATCH or DELETE alice's personal connection: 404 DCAAS-3001."""
    conn = await create(api, api.alice, "alice-private")
    patch = [{"op": "replace", "path": "/qName", "value": "stolen"}]
    r = await api.client.patch(f"{URL}/{conn['id']}", json=patch, headers=api.h(api.bob))
    assert_error(r, 404, "DCAAS-3001")
    assert_error(
        await api.client.delete(f"{URL}/{conn['id']}", headers=api.h(api.bob)), 404, "DCAAS-3001"
    )


async def test_other_tenant_cannot_touch(api) -> None:
    """Mallory (another tenant) gets 404 on GET, PATCH and DELETE of alice's connection."""
    conn = await create(api, api.alice, "alice-private")
    url = f"{URL}/{conn['id']}"
    assert_error(await api.client.get(url, headers=api.h(api.mallory)), 404, "DCAAS-3001")
    patch = [{"op": "replace", "path": "/qName", "value": "stolen"}]
    assert_error(
        await api.client.patch(url, json=patch, headers=api.h(api.mallory)), 404, "DCAAS-3001"
    )
    assert_error(await api.client.delete(url, headers=api.h(api.mallory)), 404, "DCAAS-3001")
    r = await api.client.get(url, headers=api.h(api.alice))
    assert r.status_code == 200
    assert r.json()["qName"] == "alice-private"


async def test_other_tenant_admin_cannot_see(api) -> None:
    """The deprecated GET by id is 404 DCAAS-3001 for another tenant too."""
    conn = await create(api, api.alice, "alice-private")
    r = await api.client.get(
        f"/api/v1/dcaas/actions/data-connections/{conn['id']}", headers=api.h(api.mallory)
    )
    assert_error(r, 404, "DCAAS-3001")


async def test_lists_exclude_others_connections(api) -> None:
    """Lists of bob and mallory neither contain nor count alice's connection."""
    conn = await create(api, api.alice, "alice-private")
    await create(api, api.bob, "bob-own")
    bob_ids, bob_count = await ids_listed(api, api.bob)
    assert conn["id"] not in bob_ids
    assert bob_count == 1 == len(bob_ids)
    mallory_ids, mallory_count = await ids_listed(api, api.mallory)
    assert conn["id"] not in mallory_ids
    assert mallory_count == 0
    assert not mallory_ids
    alice_ids, alice_count = await ids_listed(api, api.alice)
    assert alice_ids == {conn["id"]}
    assert alice_count == 1


async def test_admin_lists_by_user_id(api) -> None:
    """The tenant admin lists alice's connections with userId; bob doing the same gets 403."""
    conn = await create(api, api.alice, "alice-private")
    alice = conn["user"]
    assert alice == await user_id(api, api.alice)
    ids, count = await ids_listed(api, api.admin, userId=alice)
    assert conn["id"] in ids
    assert count >= 1
    r = await api.client.get(URL, params={"userId": alice}, headers=api.h(api.bob))
    assert_error(r, 403)


async def _team(api) -> tuple[str, str, str]:
    """A shared space 'team' with alice as producer and bob as consumer: (space, alice, bob)."""
    r = await api.client.post("/api/v1/spaces", json={"name": "team"}, headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    space = r.json()["id"]
    alice, bob = await user_id(api, api.alice), await user_id(api, api.bob)
    for who, role in ((alice, "producer"), (bob, "consumer")):
        r = await api.client.post(
            f"/api/v1/spaces/{space}/assignments",
            json={"assigneeId": who, "roles": [role]},
            headers=api.h(api.admin),
        )
        assert r.status_code == 201, r.text
        assert r.json()["roles"] == [role]
    return space, alice, bob


async def test_shared_space_producer_creates(api) -> None:
    """Alice (producer) creates in the shared space; the connection belongs to it."""
    space, alice, _ = await _team(api)
    conn = await create(api, api.alice, "shared", space)
    assert conn["space"] == space
    assert conn["user"] == alice


async def test_shared_space_consumer_reads(api) -> None:
    """Bob (consumer) can GET and list a shared connection with privileges list and read."""
    space, _, _ = await _team(api)
    conn = await create(api, api.alice, "shared", space)
    r = await api.client.get(f"{URL}/{conn['id']}", headers=api.h(api.bob))
    assert r.status_code == 200, r.text
    assert sorted(r.json()["privileges"]) == ["list", "read"]
    ids, count = await ids_listed(api, api.bob)
    assert conn["id"] in ids
    assert count == 1
    ids, count = await ids_listed(api, api.bob, spaceId=space)
    assert ids == {conn["id"]}
    assert count == 1


async def test_shared_space_consumer_cannot_change(api) -> None:
    """Bob (consumer) gets 403 on PATCH and DELETE of a shared connection."""
    space, _, _ = await _team(api)
    conn = await create(api, api.alice, "shared", space)
    url = f"{URL}/{conn['id']}"
    patch = [{"op": "replace", "path": "/qName", "value": "renamed"}]
    assert_error(await api.client.patch(url, json=patch, headers=api.h(api.bob)), 403)
    assert_error(await api.client.delete(url, headers=api.h(api.bob)), 403)
    r = await api.client.get(url, headers=api.h(api.alice))
    assert r.status_code == 200
    assert r.json()["qName"] == "shared"


async def test_shared_space_consumer_cannot_create(api) -> None:
    """Bob (consumer) cannot create in the shared space: 403."""
    space, _, _ = await _team(api)
    r = await api.client.post(URL, json=rest_body("bob-try", space), headers=api.h(api.bob))
    assert_error(r, 403)


async def test_shared_space_producer_changes(api) -> None:
    """Alice (producer) may PATCH and DELETE a connection in the shared space."""
    space, _, _ = await _team(api)
    conn = await create(api, api.alice, "shared", space)
    url = f"{URL}/{conn['id']}"
    patch = [{"op": "replace", "path": "/qName", "value": "renamed"}]
    assert (await api.client.patch(url, json=patch, headers=api.h(api.alice))).status_code == 204
    assert (await api.client.delete(url, headers=api.h(api.alice))).status_code == 204
    assert_error(await api.client.get(url, headers=api.h(api.alice)), 404, "DCAAS-3001")


async def test_other_tenant_cannot_create_in_space(api) -> None:
    """Mallory creating in acme's shared space gets 404."""
    space, _, _ = await _team(api)
    r = await api.client.post(URL, json=rest_body("evil", space), headers=api.h(api.mallory))
    assert_error(r, 404)
    r = await api.client.post(
        "/api/v1/dcaas/actions/data-connections",
        json={
            "connectionName": "evil",
            "dataSourceId": "rest",
            "spaceId": space,
            "connectionProperties": {"url": "https://x.example/"},
        },
        headers=api.h(api.mallory),
    )
    assert_error(r, 404)


async def test_admin_sees_shared_connection(api) -> None:
    """The tenant admin sees a connection in a shared space with manage privileges."""
    space, _, _ = await _team(api)
    conn = await create(api, api.alice, "shared", space)
    r = await api.client.get(f"{URL}/{conn['id']}", headers=api.h(api.admin))
    assert r.status_code == 200, r.text
    assert {"read", "update", "delete"} <= set(r.json()["privileges"])
