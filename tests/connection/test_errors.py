"""Error answers of the data-connection APIs, their codes, and paging through the list."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.conftest import assert_error

URL = "/api/v1/data-connections"
LEGACY = "/api/v1/dcaas/actions/data-connections"
SEED_SPACE = "6226583d53a69876774d4f96"


def seed_body(**overrides: Any) -> dict[str, Any]:
    """The seed's first example body: tags and connectionProperties as JSON-encoded strings."""
    body: dict[str, Any] = {
        "tags": '["tag1", "tag2"]',
        "spaceId": SEED_SPACE,
        "authUrlOnly": False,
        "dataSourceId": "rest",
        "connectionName": "MyConnection",
        "connectionProperties": '{"property1": "value", "property2": "value"}',
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def rest_body(name: str, **extra: Any) -> dict[str, Any]:
    """A minimal REST connection body in the properties form."""
    properties = {"url": "https://api.example.com/v1", **extra.pop("properties", {})}
    return {"qName": name, "datasourceID": "rest", "connectionProperties": properties, **extra}


async def create(api, name: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    """Create a REST connection (as alice by default) and return the answer."""
    r = await api.client.post(URL, json=rest_body(name, **extra), headers=api.h(key or api.alice))
    assert r.status_code == 201, r.text
    return r.json()


async def shared_space(api, name: str) -> str:
    """A shared space created by the admin."""
    r = await api.client.post("/api/v1/spaces", json={"name": name}, headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    return r.json()["id"]


# -- the seed's example and body validation ---------------------------------------------------


async def test_seed_example_without_space_names_unknown_properties(api) -> None:
    """The seed example without spaceId is 400 DCAAS-1002 naming property1 and property2."""
    r = await api.client.post(LEGACY, json=seed_body(spaceId=None), headers=api.h(api.alice))
    error = assert_error(r, 400, "DCAAS-1002")
    assert "property1" in error["detail"]
    assert "property2" in error["detail"]
    fields = json.dumps(error["meta"].get("fields"))
    assert "property1" in fields
    assert "property2" in fields


async def test_seed_example_with_made_up_space(api) -> None:
    """The seed example with its made-up spaceId is 404."""
    r = await api.client.post(LEGACY, json=seed_body(), headers=api.h(api.alice))
    assert_error(r, 404)


async def test_seed_example_with_real_properties_created(api) -> None:
    """The seed's shape (JSON-encoded strings) with valid properties creates a connection."""
    body = seed_body(spaceId=None, connectionProperties='{"url": "https://api.example.com/"}')
    r = await api.client.post(LEGACY, json=body, headers=api.h(api.alice))
    assert r.status_code == 201, r.text
    assert r.headers["Deprecation"]
    got = await api.client.get(f"{URL}/{r.json()['connectionId']}", headers=api.h(api.alice))
    assert got.json()["tags"] == ["tag1", "tag2"]


async def test_duplicate_name_in_space(api) -> None:
    """A second connection with the same name in one space is 409 DCAAS-3002."""
    await create(api, "dup")
    r = await api.client.post(URL, json=rest_body("dup"), headers=api.h(api.alice))
    assert_error(r, 409, "DCAAS-3002")


async def test_same_name_in_other_space(api) -> None:
    """The same name in another space is allowed."""
    await create(api, "dup", key=api.admin)
    space = await shared_space(api, "other")
    r = await api.client.post(URL, json=rest_body("dup", space=space), headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    await create(api, "dup")  # alice's personal space is another space too


async def test_too_many_tags(api) -> None:
    """33 tags are 400 DCAAS-1008."""
    r = await api.client.post(
        URL, json=rest_body("t", tags=[f"t{i}" for i in range(33)]), headers=api.h(api.alice)
    )
    assert_error(r, 400, "DCAAS-1008")


async def test_32_tags_accepted(api) -> None:
    """32 tags of 256 bytes each are accepted."""
    tags = [f"{i:02d}" + "x" * 254 for i in range(32)]
    assert len((await create(api, "t", tags=tags))["tags"]) == 32


async def test_tag_too_long(api) -> None:
    """A 257-byte tag is 400 DCAAS-1008."""
    r = await api.client.post(URL, json=rest_body("t", tags=["x" * 257]), headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1008")


async def test_tag_multibyte_too_long(api) -> None:
    """Tags are measured in bytes: 129 two-byte characters are too many."""
    r = await api.client.post(URL, json=rest_body("t", tags=["é" * 129]), headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1008")


async def test_name_too_long(api) -> None:
    """A name of 257 characters is 400 with meta.field qName."""
    r = await api.client.post(URL, json=rest_body("n" * 257), headers=api.h(api.alice))
    assert assert_error(r, 400)["meta"]["field"] == "qName"


async def test_unknown_top_level_field(api) -> None:
    """An unknown top-level field is 400 DCAAS-1002."""
    r = await api.client.post(URL, json=rest_body("u", bogus=1), headers=api.h(api.alice))
    assert "bogus" in json.dumps(assert_error(r, 400, "DCAAS-1002"))


async def test_invalid_json(api) -> None:
    """A body that is not JSON is 400 DCAAS-1010."""
    r = await api.client.post(
        URL, content=b'{"qName": ', headers={**api.h(api.alice), "Content-Type": "application/json"}
    )
    assert_error(r, 400, "DCAAS-1010")


async def test_body_too_large(api) -> None:
    """A body over 1 MiB is 413 DCAAS-1003."""
    body = json.dumps(rest_body("big", tags=["x" * 200] * 6000)).encode()
    assert len(body) > 1_048_576
    r = await api.client.post(
        URL, content=body, headers={**api.h(api.alice), "Content-Type": "application/json"}
    )
    assert_error(r, 413, "DCAAS-1003")


async def test_non_json_content_type(api) -> None:
    """A text/plain body is 415 DCAAS-1011."""
    r = await api.client.post(
        URL,
        content=json.dumps(rest_body("x")).encode(),
        headers={**api.h(api.alice), "Content-Type": "text/plain"},
    )
    assert_error(r, 415, "DCAAS-1011")


async def test_unknown_datasource(api) -> None:
    """An unknown data source is 400 DCAAS-2002."""
    body = rest_body("x")
    body["datasourceID"] = "no-such-source"
    assert_error(await api.client.post(URL, json=body, headers=api.h(api.alice)), 400, "DCAAS-2002")


async def test_non_uuid_id(api) -> None:
    """A qID that is not a UUID is 400 DCAAS-1012."""
    r = await api.client.get(f"{URL}/not-a-uuid", headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1012")


async def test_unknown_uuid_id(api) -> None:
    """A well-formed but unknown qID is 404 DCAAS-3001."""
    r = await api.client.get(
        f"{URL}/00000000-0000-4000-8000-000000000000", headers=api.h(api.alice)
    )
    assert_error(r, 404, "DCAAS-3001")


# -- data-source settings ----------------------------------------------------------------------


async def test_disabled_datasource(api) -> None:
    """After the admin disables rest, creating a REST connection is 403 DCAAS-2001."""
    r = await api.client.put(
        "/api/v1/data-sources/rest/settings", json={"disabled": True}, headers=api.h(api.admin)
    )
    assert r.status_code == 200, r.text
    assert r.json()["disabled"] is True
    r = await api.client.post(URL, json=rest_body("x"), headers=api.h(api.alice))
    assert_error(r, 403, "DCAAS-2001")
    r = await api.client.put(
        "/api/v1/data-sources/rest/settings", json={"disabled": False}, headers=api.h(api.admin)
    )
    assert r.status_code == 200, r.text
    await create(api, "x")


async def test_disabled_datasource_only_for_its_tenant(api) -> None:
    """Disabling a data source in acme leaves it enabled for another tenant."""
    r = await api.client.put(
        "/api/v1/data-sources/rest/settings", json={"disabled": True}, headers=api.h(api.admin)
    )
    assert r.status_code == 200, r.text
    await create(api, "x", key=api.mallory)


async def test_non_admin_cannot_change_settings(api) -> None:
    """A non-admin PUT of data-source settings is 403."""
    r = await api.client.put(
        "/api/v1/data-sources/rest/settings", json={"disabled": True}, headers=api.h(api.alice)
    )
    assert_error(r, 403)


# -- PATCH rules -------------------------------------------------------------------------------


async def test_patch_statement_and_properties_together(api) -> None:
    """A patch of both /qConnectStatement and /connectionProperties/url is 400 DCAAS-1007."""
    conn = await create(api, "p")
    ops = [
        {"op": "replace", "path": "/qConnectStatement", "value": 'CUSTOM CONNECT TO "x"'},
        {"op": "replace", "path": "/connectionProperties/url", "value": "https://b.example/"},
    ]
    r = await api.client.patch(f"{URL}/{conn['id']}", json=ops, headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1007")


async def test_patch_url_needs_credentials(api) -> None:
    """A new url of a basic-auth REST connection needs every secret anew: 400 DCAAS-1014."""
    conn = await create(
        api, "b", properties={"authSchema": "basic", "username": "u", "password": "pw"}
    )
    url = f"{URL}/{conn['id']}"
    ops = [{"op": "replace", "path": "/connectionProperties/url", "value": "https://evil.example/"}]
    error = assert_error(
        await api.client.patch(url, json=ops, headers=api.h(api.alice)), 400, "DCAAS-1014"
    )
    assert error["meta"]["changed"] == ["url"]
    assert error["meta"]["missing"] == [
        "/connectionProperties/password",
        "/connectionProperties/username",
    ]
    ops.append({"op": "replace", "path": "/connectionProperties/password", "value": "new-pw"})
    ops.append({"op": "replace", "path": "/connectionProperties/username", "value": "new-u"})
    r = await api.client.patch(url, json=ops, headers=api.h(api.alice))
    assert r.status_code == 204, r.text
    r = await api.client.get(url, params={"parseConnection": "true"}, headers=api.h(api.alice))
    props = r.json()["connectionProperties"]
    assert props["url"] == "https://evil.example/"
    assert "new-pw" not in r.text
    assert props.get("password") != "pw"


async def test_patch_unknown_path(api) -> None:
    """A patch of a field that cannot be patched is 400 DCAAS-1007."""
    conn = await create(api, "p")
    ops = [{"op": "replace", "path": "/tenant", "value": "x"}]
    r = await api.client.patch(f"{URL}/{conn['id']}", json=ops, headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1007")


# -- routing -----------------------------------------------------------------------------------


async def test_unknown_route(api) -> None:
    """An unknown route is 404 HTTP-404 in the envelope."""
    assert_error(
        await api.client.get("/api/v1/no-such-thing", headers=api.h(api.alice)), 404, "HTTP-404"
    )


async def test_wrong_method(api) -> None:
    """A known route with the wrong method is 405 HTTP-405 in the envelope."""
    assert_error(await api.client.put(URL, json={}, headers=api.h(api.alice)), 405, "HTTP-405")


# -- list parameters and paging ----------------------------------------------------------------


async def test_limit_bounds(api) -> None:
    """limit=0 and limit=101 are 400."""
    for limit in (0, 101, "x"):
        r = await api.client.get(URL, params={"limit": limit}, headers=api.h(api.alice))
        assert_error(r, 400)


async def test_bad_filter(api) -> None:
    """A filter that does not parse is 400 DCAAS-1005."""
    for bad in ("qName eq", 'nosuchfield eq "x"', '(qName eq "a"'):
        r = await api.client.get(URL, params={"filter": bad}, headers=api.h(api.alice))
        assert_error(r, 400, "DCAAS-1005")


async def test_bad_cursor(api) -> None:
    """A page cursor that was not issued by the service is 400 DCAAS-1006."""
    r = await api.client.get(URL, params={"page": "garbage!"}, headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1006")


async def test_bad_sort(api) -> None:
    """An unknown sort field is 400."""
    r = await api.client.get(URL, params={"sort": "password"}, headers=api.h(api.alice))
    assert_error(r, 400)


def _page(link: str | None) -> str | None:
    """The page parameter of a link, if any."""
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("page")
    return values[0] if values else None


async def _get_page(api, **params: Any) -> dict[str, Any]:
    """One page of alice's list with these query parameters."""
    r = await api.client.get(URL, params=params, headers=api.h(api.alice))
    assert r.status_code == 200, r.text
    return r.json()


async def test_paging_forward_and_back(api) -> None:
    """25 connections: 3 pages of 10 forward via links.next, the same pages back via prev."""
    names = [f"c{i:02d}" for i in range(25)]
    for name in names:
        await create(api, name)
    forward: list[list[str]] = []
    body = await _get_page(api, limit=10)
    while True:
        assert body["meta"]["count"] == 25
        forward.append([c["qName"] for c in body["data"]])
        cursor = _page((body.get("links") or {}).get("next", {}).get("href"))
        if cursor is None:
            break
        body = await _get_page(api, limit=10, page=cursor)
        assert len(forward) < 5
    assert [len(p) for p in forward] == [10, 10, 5]
    flat = [n for p in forward for n in p]
    assert flat == sorted(names)
    assert len(set(flat)) == 25
    backward = [[c["qName"] for c in body["data"]]]
    while True:
        cursor = _page((body.get("links") or {}).get("prev", {}).get("href"))
        if cursor is None:
            break
        body = await _get_page(api, limit=10, page=cursor)
        backward.append([c["qName"] for c in body["data"]])
        assert len(backward) < 5
    assert backward[::-1] == forward


async def test_paging_ids_unique(api) -> None:
    """Walking pages by id yields every connection once."""
    ids = {(await create(api, f"c{i:02d}"))["id"] for i in range(25)}
    seen: list[str] = []
    body = await _get_page(api, limit=10, sort="-qName")
    while True:
        seen += [c["id"] for c in body["data"]]
        cursor = _page((body.get("links") or {}).get("next", {}).get("href"))
        if cursor is None:
            break
        body = await _get_page(api, limit=10, sort="-qName", page=cursor)
    assert len(seen) == 25
    assert set(seen) == ids


async def test_sort_descending(api) -> None:
    """sort=-qName orders by name, descending."""
    for name in ("b", "a", "c"):
        await create(api, name)
    body = await _get_page(api, sort="-qName")
    assert [c["qName"] for c in body["data"]] == ["c", "b", "a"]
    body = await _get_page(api, sort="+qName")
    assert [c["qName"] for c in body["data"]] == ["a", "b", "c"]


async def test_filter_starts_with(api) -> None:
    """filter qName sw "c1" keeps only the names that start with c1."""
    for name in ("c1", "c10", "c2", "d1"):
        await create(api, name)
    body = await _get_page(api, filter='qName sw "c1"')
    assert sorted(c["qName"] for c in body["data"]) == ["c1", "c10"]
    assert body["meta"]["count"] == 2
    body = await _get_page(api, filter='qName eq "c2" or qName eq "d1"')
    assert sorted(c["qName"] for c in body["data"]) == ["c2", "d1"]


async def test_cursor_from_other_sort_rejected(api) -> None:
    """A cursor issued for one sort is refused under another: 400 DCAAS-1006."""
    for i in range(3):
        await create(api, f"c{i}")
    body = await _get_page(api, limit=1)
    cursor = _page(body["links"]["next"]["href"])
    r = await api.client.get(
        URL, params={"limit": 1, "page": cursor, "sort": "-created"}, headers=api.h(api.alice)
    )
    assert_error(r, 400, "DCAAS-1006")


@pytest.mark.parametrize("sort", ["+created", "-created", "-updated", "+_id", "-qName"])
async def test_paging_forward_and_back_under_every_sort(api, sort: str) -> None:
    """Every sort pages through all connections once, in order, and back again via prev."""
    ids = {(await create(api, f"s{i:02d}"))["id"] for i in range(7)}
    forward: list[list[str]] = []
    body = await _get_page(api, limit=3, sort=sort)
    while True:
        forward.append([c["id"] for c in body["data"]])
        cursor = _page((body.get("links") or {}).get("next", {}).get("href"))
        if cursor is None:
            break
        body = await _get_page(api, limit=3, sort=sort, page=cursor)
        assert len(forward) < 5
    flat = [i for p in forward for i in p]
    assert len(flat) == 7
    assert set(flat) == ids
    backward = [forward[-1]]
    while True:
        cursor = _page((body.get("links") or {}).get("prev", {}).get("href"))
        if cursor is None:
            break
        body = await _get_page(api, limit=3, sort=sort, page=cursor)
        backward.append([c["id"] for c in body["data"]])
        assert len(backward) < 5
    assert backward[::-1] == forward
