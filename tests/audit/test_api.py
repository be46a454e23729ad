"""GET /api/v1/audits and its siblings, in the shape of Qlik's audits API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.conftest import assert_error

from dcaas.audit import types
from dcaas.bootstrap import create_key

if TYPE_CHECKING:
    from tests.conftest import Api

A = "/api/v1/audits"
P = "/api/v1/data-connections"


async def _connections(api: Api, *names: str) -> list[str]:
    made = []
    for name in names:
        body = {
            "qName": name,
            "datasourceID": "rest",
            "connectionProperties": {"url": "https://e.x"},
        }
        res = await api.client.post(P, json=body, headers=api.h(api.alice))
        assert res.status_code == 201, res.text
        made.append(res.json()["qID"])
    return made


async def _list(api: Api, key: str, **params: Any) -> dict[str, Any]:
    res = await api.client.get(A, params=params, headers=api.h(key))
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


async def _other_admin(api: Api) -> str:
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    return (await create_key(state.sessions, tenant="evil", user="boss", admin=True)).token


async def test_a_tenant_admin_lists_the_tenants_events_newest_first(api: Api) -> None:
    """The admin sees alice's creates, newest first, in Qlik's item shape."""
    ids = await _connections(api, "one", "two")
    body = await _list(api, api.admin, eventType=types.CONNECTION_CREATED)
    assert [e["objectId"] for e in body["data"]] == ids[::-1]
    item = body["data"][0]
    for field in ("id", "eventId", "eventType", "eventTime", "source", "tenantId", "userId"):
        assert item[field], field
    assert item["contentType"] == "application/json"
    assert item["links"]["self"]["href"].endswith(f"{A}/{item['id']}")
    assert item["extensions"]["actor"]["sub"] == item["apiKeyId"]


async def test_filters_by_type_user_id_source_and_time(api: Api) -> None:
    """eventType, userId, id, source and an eventTime interval each narrow the list."""
    await _connections(api, "one")
    first = (await _list(api, api.admin, eventType=types.CONNECTION_CREATED))["data"][0]
    by_id = await _list(api, api.admin, id=f"{first['id']},nope")
    assert [e["id"] for e in by_id["data"]] == [first["id"]]
    by_user = await _list(api, api.admin, userId=first["userId"], limit=100)
    assert {e["userId"] for e in by_user["data"]} == {first["userId"]}
    by_source = await _list(api, api.admin, source="com.qlik/spaces", limit=100)
    assert by_source["data"]
    assert {e["source"] for e in by_source["data"]} == {"com.qlik/spaces"}
    window = f"{first['eventTime']}/{first['eventTime']}"
    in_time = await _list(api, api.admin, eventTime=window, limit=100)
    assert first["id"] in [e["id"] for e in in_time["data"]]
    assert all(e["eventTime"] == first["eventTime"] for e in in_time["data"])
    none = await _list(api, api.admin, eventTime="2000-01-01T00:00:00Z/2000-01-02T00:00:00Z")
    assert none["data"] == []


async def test_pages_follow_the_next_link_without_gaps(api: Api) -> None:
    """With limit=2, following links.next visits every event once, sorted ascending."""
    await _connections(api, "a", "b", "c")
    every = [e["id"] for e in (await _list(api, api.admin, limit=100, sort="+eventTime"))["data"]]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "sort": "+eventTime"}
    while True:
        body = await _list(api, api.admin, **params)
        seen += [e["id"] for e in body["data"]]
        if "next" not in body["links"]:
            break
        params = {
            k: v[0] for k, v in parse_qs(urlsplit(body["links"]["next"]["href"]).query).items()
        }
    assert seen == every
    assert len(every) >= 3


async def test_get_one_event(api: Api) -> None:
    """GET /audits/{id} answers the event the list shows."""
    await _connections(api, "one")
    listed = (await _list(api, api.admin))["data"][0]
    res = await api.client.get(f"{A}/{listed['id']}", headers=api.h(api.admin))
    assert res.status_code == 200
    assert res.json() == listed


async def test_a_non_admin_sees_no_events(api: Api) -> None:
    """Alice, who is no tenant admin, gets an empty list and 404 for an event id."""
    await _connections(api, "one")
    listed = (await _list(api, api.admin))["data"][0]
    assert (await _list(api, api.alice))["data"] == []
    res = await api.client.get(f"{A}/{listed['id']}", headers=api.h(api.alice))
    assert_error(res, 404, "DCAAS-8201")


async def test_another_tenants_admin_sees_none_of_them(api: Api) -> None:
    """Tenant B's admin lists none of tenant A's events and cannot fetch one."""
    await _connections(api, "one")
    ours = {e["id"] for e in (await _list(api, api.admin, limit=100))["data"]}
    boss = await _other_admin(api)
    theirs = (await _list(api, boss, limit=100))["data"]
    assert ours
    assert not ours & {e["id"] for e in theirs}
    assert len({e["tenantId"] for e in theirs}) <= 1
    res = await api.client.get(f"{A}/{next(iter(ours))}", headers=api.h(boss))
    assert_error(res, 404, "DCAAS-8201")


async def test_types_sources_and_settings(api: Api) -> None:
    """The catalogue's types and sources, and the retention as EventTTL seconds."""
    got_types = (await api.client.get(f"{A}/types", headers=api.h(api.alice))).json()
    assert types.CONNECTION_CREATED in got_types["data"]
    sources = (await api.client.get(f"{A}/sources", headers=api.h(api.alice))).json()
    assert "com.qlik/data-connections" in sources["data"]
    settings = (await api.client.get(f"{A}/settings", headers=api.h(api.alice))).json()
    assert settings["data"]["EventTTL"] == 90 * 86_400
    assert settings["data"]["ArchiveEnabled"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"eventTime": "yesterday"}, "eventTime"),
        ({"sort": "-objectId"}, "sort"),
        ({"next": "not-a-cursor"}, "page"),
        ({"next": "a", "prev": "b"}, "next"),
        ({"limit": "0"}, "limit"),
    ],
)
async def test_bad_queries_are_refused_in_the_envelope(
    api: Api, params: dict[str, str], field: str
) -> None:
    """Bad filters, sorts, cursors and limits answer 400 naming the field."""
    res = await api.client.get(A, params=params, headers=api.h(api.admin))
    error = assert_error(res, 400)
    assert error["meta"]["field"] == field
