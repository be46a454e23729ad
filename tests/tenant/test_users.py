"""/api/v1/users in Qlik's shape, and people named by name or e-mail as well as by id: in
space assignments and in API keys made by `dcaas apikey create`. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import jwt
from tests.conftest import TEST_SECRET, assert_error

from dcaas.bootstrap import create_key

if TYPE_CHECKING:
    from tests.conftest import Api

USERS = "/api/v1/users"
SPACES = "/api/v1/spaces"


async def _get(api: Api, key: str, path: str, **params: Any) -> dict[str, Any]:
    res = await api.client.get(path, params=params, headers=api.h(key))
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


async def _key(api: Api, user: str, **profile: Any) -> str:
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    return (
        await create_key(state.sessions, tenant="acme", user=user, admin=False, **profile)
    ).token


def _jwt(api_tenant: str, sub: str, **claims: Any) -> str:
    body = {"tenantId": api_tenant, "sub": sub, "exp": int(time.time()) + 600, **claims}
    return jwt.encode(body, TEST_SECRET, algorithm="HS256")


async def _me(api: Api, key: str) -> dict[str, Any]:
    return await _get(api, key, f"{USERS}/me")


async def test_list_has_the_tenants_users_in_qliks_shape(api: Api) -> None:
    """Any user of the tenant lists its users (no other tenant's) with Qlik's User fields."""
    body = await _get(api, api.alice, USERS)
    subjects = {u["subject"] for u in body["data"]}
    assert subjects == {"admin", "alice", "bob"}
    admin = next(u for u in body["data"] if u["subject"] == "admin")
    assert admin["name"] == "admin"
    assert admin["status"] == "active"
    assert admin["assignedRoles"] == [
        {"id": "TenantAdmin", "level": "admin", "name": "TenantAdmin", "type": "default"}
    ]
    assert admin["links"]["self"]["href"] == f"http://testserver{USERS}/{admin['id']}"
    assert {"id", "tenantId", "createdAt", "lastUpdatedAt"} <= admin.keys()
    assert body["links"]["self"]["href"] == f"http://testserver{USERS}"
    assert "totalResults" not in body


async def test_me_is_the_caller(api: Api) -> None:
    """GET /users/me answers the caller's own user; GET /users/{id} the same record."""
    me = await _me(api, api.bob)
    assert me["subject"] == "bob"
    assert await _get(api, api.alice, f"{USERS}/{me['id']}") == me


async def test_another_tenants_user_is_404(api: Api) -> None:
    """Mallory's id, asked by a user of acme, is 404 DCAAS-5007."""
    mallory = await _me(api, api.mallory)
    res = await api.client.get(f"{USERS}/{mallory['id']}", headers=api.h(api.alice))
    assert_error(res, 404, "DCAAS-5007")


async def test_filter_is_scim_and_case_insensitive(api: Api) -> None:
    """`name co "AR"` matches carol by her display name; `email eq` ignores case."""
    await _key(api, "carol", name="Carol Marx", email="Carol@Example.com")
    found = await _get(api, api.alice, USERS, filter='name co "AR"')
    assert [u["subject"] for u in found["data"]] == ["carol"]
    found = await _get(api, api.alice, USERS, filter='email eq "carol@example.COM"')
    assert [u["email"] for u in found["data"]] == ["Carol@Example.com"]
    found = await _get(
        api,
        api.alice,
        USERS,
        filter='(subject eq "bob" or subject eq "alice") and status eq "active"',
    )
    assert sorted(u["subject"] for u in found["data"]) == ["alice", "bob"]


async def test_a_bad_filter_is_400_naming_the_attributes(api: Api) -> None:
    """An unknown attribute is 400 DCAAS with meta.field filter, listing what may be used."""
    res = await api.client.get(USERS, params={"filter": 'role eq "x"'}, headers=api.h(api.alice))
    body = assert_error(res, 400)
    assert body["meta"]["field"] == "filter"
    assert "email" in body["detail"]


async def test_pages_follow_next_and_prev_with_total(api: Api) -> None:
    """limit=1 pages by name through `links.next` (the cursor in `next`), back through
    `links.prev`, and totalResults counts every match."""
    seen: list[str] = []
    page = await _get(api, api.alice, USERS, limit=1, totalResults="true")
    assert page["totalResults"] == 3
    while True:
        seen += [u["name"] for u in page["data"]]
        if "next" not in page["links"]:
            break
        query = parse_qs(urlsplit(page["links"]["next"]["href"]).query)
        assert set(query) == {"limit", "totalResults", "next"}
        page = await _get(api, api.alice, USERS, **{k: v[0] for k, v in query.items()})
    assert seen == ["admin", "alice", "bob"]
    query = parse_qs(urlsplit(page["links"]["prev"]["href"]).query)
    back = await _get(api, api.alice, USERS, **{k: v[0] for k, v in query.items()})
    assert [u["name"] for u in back["data"]] == ["alice"]


async def test_sort_descending_by_subject(api: Api) -> None:
    """sort=-subject orders the page by subject, last first; an unknown sort is 400."""
    page = await _get(api, api.alice, USERS, sort="-subject")
    assert [u["subject"] for u in page["data"]] == ["bob", "alice", "admin"]
    res = await api.client.get(USERS, params={"sort": "-salary"}, headers=api.h(api.alice))
    assert_error(res, 400)


async def test_count_is_the_tenants_users(api: Api) -> None:
    """GET /users/actions/count answers {"total": n} for the caller's tenant."""
    assert await _get(api, api.mallory, f"{USERS}/actions/count") == {"total": 1}
    assert await _get(api, api.alice, f"{USERS}/actions/count") == {"total": 3}


async def test_jwt_name_and_email_are_stored_on_first_sight(api: Api) -> None:
    """A JWT user's name and email claims become its User's name and email."""
    tenant = (await _me(api, api.alice))["tenantId"]
    token = _jwt(tenant, "u-77", name="Dana Scully", email="dana@example.com")
    me = await _me(api, token)
    assert (me["name"], me["email"], me["subject"]) == ("Dana Scully", "dana@example.com", "u-77")


async def test_jwt_without_profile_claims_is_named_by_subject(api: Api) -> None:
    """Without name or email claims (or with unusable ones) the subject names the user."""
    tenant = (await _me(api, api.alice))["tenantId"]
    me = await _me(api, _jwt(tenant, "u-78", name=["not", "text"], email=""))
    assert me["name"] == "u-78"
    assert "email" not in me


async def _space(api: Api) -> str:
    res = await api.client.post(SPACES, json={"name": "sales"}, headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


async def _assign(api: Api, space: str, who: str) -> Any:
    return await api.client.post(
        f"{SPACES}/{space}/assignments",
        json={"assigneeId": who, "roles": ["consumer"]},
        headers=api.h(api.admin),
    )


async def test_assignment_by_name(api: Api) -> None:
    """A space member can be given by subject (bob) or by display name, any case."""
    space = await _space(api)
    bob = await _me(api, api.bob)
    res = await _assign(api, space, "bob")
    assert res.status_code == 201, res.text
    assert res.json()["assigneeId"] == bob["id"]
    await _key(api, "carol", name="Carol Marx")
    carol = await _me(api, await _key(api, "carol"))
    res = await _assign(api, space, "carol marx")
    assert res.status_code == 201, res.text
    assert res.json()["assigneeId"] == carol["id"]


async def test_assignment_by_email(api: Api) -> None:
    """A space member can be given by e-mail, compared case-insensitively."""
    space = await _space(api)
    key = await _key(api, "erin", email="erin@example.com")
    res = await _assign(api, space, "ERIN@example.com")
    assert res.status_code == 201, res.text
    assert res.json()["assigneeId"] == (await _me(api, key))["id"]


async def test_an_ambiguous_name_is_400_listing_the_candidates(api: Api) -> None:
    """Two users called "Sam" are 400 DCAAS-5014 naming both ids; nothing is assigned."""
    space = await _space(api)
    one = await _me(api, await _key(api, "sam1", name="Sam"))
    two = await _me(api, await _key(api, "sam2", name="Sam"))
    body = assert_error(await _assign(api, space, "Sam"), 400, "DCAAS-5014")
    assert {c["id"] for c in body["meta"]["candidates"]} == {one["id"], two["id"]}
    assert one["id"] in body["detail"]
    assert two["id"] in body["detail"]
    assert body["meta"]["field"] == "assigneeId"
    members = await _get(api, api.admin, f"{SPACES}/{space}/assignments")
    assert members["data"] == []
    res = await _assign(api, space, one["id"])  # the id always decides
    assert res.status_code == 201, res.text


async def test_an_unknown_name_is_404_and_another_tenants_user_is_not_found(api: Api) -> None:
    """Nobody by that name is 404 DCAAS-5007; mallory's name, from acme, is nobody too."""
    space = await _space(api)
    body = assert_error(await _assign(api, space, "nobody"), 404, "DCAAS-5007")
    assert "/api/v1/users" in body["detail"]
    assert_error(await _assign(api, space, "mallory"), 404, "DCAAS-5007")


async def test_apikey_for_an_email_reuses_that_user(api: Api) -> None:
    """create_key (dcaas apikey create) with --user set to an e-mail keys the same user."""
    first = await _me(api, await _key(api, "frank", email="frank@example.com"))
    again = await _me(api, await _key(api, "FRANK@example.com"))
    assert again["id"] == first["id"]
    renamed = await _me(api, await _key(api, first["id"], name="Frank Zappa"))
    assert (renamed["id"], renamed["name"]) == (first["id"], "Frank Zappa")


async def test_a_changed_name_claim_updates_the_user(api: Api) -> None:
    """A later token of the same subject with another name claim renames the user."""
    tenant = (await _me(api, api.alice))["tenantId"]
    first = await _me(api, _jwt(tenant, "u-79", name="Old Name"))
    again = await _me(api, _jwt(tenant, "u-79", name="New Name", email="n@example.com"))
    assert again["id"] == first["id"]
    assert (again["name"], again["email"]) == ("New Name", "n@example.com")


async def test_filter_action_takes_the_filter_in_the_body(api: Api) -> None:
    """POST /users/actions/filter (Qlik's filterUsers) answers the list the body's filter
    selects; an unknown body member is 400."""
    res = await api.client.post(
        f"{USERS}/actions/filter",
        params={"limit": 5},
        json={"filter": 'subject eq "BOB"'},
        headers=api.h(api.alice),
    )
    assert res.status_code == 200, res.text
    assert [u["subject"] for u in res.json()["data"]] == ["bob"]
    res = await api.client.post(
        f"{USERS}/actions/filter", json={"query": "x"}, headers=api.h(api.alice)
    )
    assert_error(res, 400)
