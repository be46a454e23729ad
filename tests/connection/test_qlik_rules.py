"""Qlik's rules on connections: PUT takes a GET answer, qri filters, admin-only bulk actions,
a connect statement's datasourceID checked against the catalog, access errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.conftest import assert_error

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"
STATEMENT = 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://e.com;"'


def rest(name: str, url: str = "https://example.com/a") -> dict[str, Any]:
    return {"qName": name, "datasourceID": "rest", "connectionProperties": {"url": url}}


async def _made(api: Api, body: dict[str, Any], key: str | None = None) -> str:
    res = await api.client.post(URL, json=body, headers=api.h(key or api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


async def test_a_get_answer_is_a_put_body(api: Api) -> None:
    """The GET answer, read-only members and all, sent back with a new name: 204, renamed."""
    qid = await _made(api, rest("as-got"))
    got = (await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))).json()
    assert {"id", "privileges", "tenant", "user", "created", "links", "version", "qri"} <= set(got)
    res = await api.client.put(
        f"{URL}/{qid}", json={**got, "qName": "as-put"}, headers=api.h(api.alice)
    )
    assert res.status_code == 204, res.text
    again = (await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))).json()
    assert again["qName"] == "as-put"
    assert again["qConnectStatement"] == got["qConnectStatement"]


async def test_a_put_with_a_changed_id_is_refused(api: Api) -> None:
    """``id`` other than ``qID``: 400 on field id, nothing changed."""
    qid = await _made(api, rest("id-kept"))
    got = (await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))).json()
    body = {**got, "id": "00000000-0000-4000-8000-000000000000", "qName": "moved"}
    error = assert_error(
        await api.client.put(f"{URL}/{qid}", json=body, headers=api.h(api.alice)), 400
    )
    assert error["meta"]["field"] == "id"
    assert (await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))).json()["qName"] == (
        "id-kept"
    )


async def test_qri_is_filterable(api: Api) -> None:
    """``qri co``, ``sw`` and ``eq`` select by each connection's QRI, as answers show it."""
    a = await _made(api, rest("qa", "https://alpha.example/x"))
    b = await _made(api, rest("qb", "https://beta.example/y"))
    qri_a = (await api.client.get(f"{URL}/{a}", headers=api.h(api.alice))).json()["qri"]
    for text, expected in (
        ('qri co "alpha.example"', [a]),
        ('qri sw "qri:rest://https://beta"', [b]),
        (f'qri eq "{qri_a}"', [a]),
        ('qri co "example"', [a, b]),
        ('qri co "gamma"', []),
    ):
        res = await api.client.get(
            URL, params={"filter": text, "sort": "+qName"}, headers=api.h(api.alice)
        )
        assert res.status_code == 200, res.text
        assert [c["qID"] for c in res.json()["data"]] == expected, text


async def test_bulk_actions_are_for_admins(api: Api) -> None:
    """A user's bulk delete and bulk update: 403 DCAAS-5011, nothing done; an admin's: 207."""
    qid = await _made(api, rest("bulk-me"))
    for action, item in (("delete", {"id": qid}), ("update", {"id": qid, "name": "renamed"})):
        res = await api.client.post(
            f"{URL}/actions/{action}", json={"connections": [item]}, headers=api.h(api.alice)
        )
        assert_error(res, 403, "DCAAS-5011")
    got = await api.client.get(f"{URL}/{qid}", headers=api.h(api.alice))
    assert got.json()["qName"] == "bulk-me"
    res = await api.client.post(
        f"{URL}/actions/delete", json={"connections": [{"id": qid}]}, headers=api.h(api.admin)
    )
    assert res.status_code == 207
    assert res.json()["data"] == [{"id": qid, "status": 204}]


async def test_filter_orphan_is_for_admins(api: Api) -> None:
    """filter-orphan: 403 DCAAS-5011 to a user, 200 to an admin."""
    url = "/api/v1/data-credentials/actions/filter-orphan"
    assert_error(await api.client.post(url, json={}, headers=api.h(api.alice)), 403, "DCAAS-5011")
    assert (await api.client.post(url, json={}, headers=api.h(api.admin))).status_code == 200


async def test_a_statement_with_an_unknown_datasource_is_refused(api: Api) -> None:
    """The connect-statement form checks datasourceID like the properties form: 400 2002."""
    body = {
        "qName": "nowhere",
        "datasourceID": "snowflake-of-nowhere",
        "qType": "QvOdbcConnectorPackage.exe",
        "qConnectStatement": STATEMENT,
    }
    error = assert_error(await api.client.post(URL, json=body, headers=api.h(api.alice)), 400)
    assert error["code"] == "DCAAS-2002"
    assert error["meta"]["field"] == "datasourceID"
    listed = await api.client.get(URL, headers=api.h(api.alice))
    assert listed.json()["data"] == []


async def test_another_tenants_connection_is_not_found_and_a_visible_one_is_forbidden(
    api: Api,
) -> None:
    """Mallory (another tenant) gets 404 for Alice's connection; Bob, who sees it in a shared
    space as a consumer, gets 403 when changing it."""
    space = await api.client.post(
        "/api/v1/spaces", json={"name": "team", "type": "shared"}, headers=api.h(api.alice)
    )
    assert space.status_code == 201, space.text
    space_id = space.json()["id"]
    bobs = await api.client.post(URL, json=rest("bobs"), headers=api.h(api.bob))
    assign = await api.client.post(
        f"/api/v1/spaces/{space_id}/assignments",
        json={"type": "user", "assigneeId": bobs.json()["user"], "roles": ["consumer"]},
        headers=api.h(api.alice),
    )
    assert assign.status_code == 201, assign.text
    qid = await _made(api, {**rest("shared"), "space": space_id})
    patch = [{"op": "replace", "path": "/qName", "value": "x"}]
    for method, kwargs in (("GET", {}), ("PATCH", {"json": patch}), ("DELETE", {})):
        res = await api.client.request(method, f"{URL}/{qid}", headers=api.h(api.mallory), **kwargs)
        assert_error(res, 404, "DCAAS-3001")
    seen = await api.client.get(f"{URL}/{qid}", headers=api.h(api.bob))
    assert seen.status_code == 200
    put = {**seen.json(), "qName": "taken"}
    for method, kwargs in (("PATCH", {"json": patch}), ("PUT", {"json": put}), ("DELETE", {})):
        res = await api.client.request(method, f"{URL}/{qid}", headers=api.h(api.bob), **kwargs)
        assert_error(res, 403, "DCAAS-5005")
