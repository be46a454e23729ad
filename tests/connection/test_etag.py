"""ETag on reads and If-Match on writes of data connections: stale tags are 412, never lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from tests.conftest import assert_error

URL = "/api/v1/data-connections"


async def created(api) -> dict[str, Any]:
    body = {
        "qName": "c",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }
    r = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert r.status_code == 201, r.text
    return r.json()


def rename(name: str) -> list[dict[str, str]]:
    return [{"op": "replace", "path": "/qName", "value": name}]


def put_body(conn: dict[str, Any], name: str) -> dict[str, Any]:
    keep = ("qID", "qEngineObjectID", "qConnectStatement", "qType")
    return {**{k: conn[k] for k in keep}, "qName": name}


async def test_get_has_etag_and_writes_return_the_next(api) -> None:
    """GET answers ETag "1"; a PATCH under it answers 204 with ETag "2", and GET agrees."""
    conn = await created(api)
    got = await api.client.get(f"{URL}/{conn['qID']}", headers=api.h(api.alice))
    assert got.headers["ETag"] == '"1"'
    patched = await api.client.patch(
        f"{URL}/{conn['qID']}", json=rename("d"), headers={**api.h(api.alice), "If-Match": '"1"'}
    )
    assert patched.status_code == 204
    assert patched.headers["ETag"] == '"2"'
    again = await api.client.get(f"{URL}/{conn['qID']}", headers=api.h(api.alice))
    assert again.headers["ETag"] == '"2"'


async def test_stale_if_match_is_412_and_changes_nothing(api) -> None:
    """PATCH, PUT and DELETE under an old tag are 412 DCAAS-1015 and leave the connection be."""
    conn = await created(api)
    url = f"{URL}/{conn['qID']}"
    await api.client.patch(url, json=rename("d"), headers=api.h(api.alice))  # now "2"
    stale = {**api.h(api.alice), "If-Match": '"1"'}
    assert_error(await api.client.patch(url, json=rename("x"), headers=stale), 412, "DCAAS-1015")
    assert_error(
        await api.client.put(url, json=put_body(conn, "y"), headers=stale), 412, "DCAAS-1015"
    )
    assert_error(await api.client.delete(url, headers=stale), 412, "DCAAS-1015")
    got = await api.client.get(url, headers=api.h(api.alice))
    assert got.json()["qName"] == "d"
    assert got.headers["ETag"] == '"2"'


async def test_star_weak_and_missing_if_match_write(api) -> None:
    """If-Match * and a W/ tag of the current version write; no If-Match writes unconditionally."""
    conn = await created(api)
    url = f"{URL}/{conn['qID']}"
    star = await api.client.put(
        url, json=put_body(conn, "p"), headers={**api.h(api.alice), "If-Match": "*"}
    )
    assert star.status_code == 204, star.text
    weak_tags = {**api.h(api.alice), "If-Match": 'W/"9", W/"2"'}
    weak = await api.client.patch(url, json=rename("q"), headers=weak_tags)
    assert weak.status_code == 204, weak.text
    plain = await api.client.patch(url, json=rename("r"), headers=api.h(api.alice))
    assert plain.headers["ETag"] == '"4"'
    gone = await api.client.delete(url, headers={**api.h(api.alice), "If-Match": '"4"'})
    assert gone.status_code == 204
    assert_error(await api.client.get(url, headers=api.h(api.alice)), 404)


async def test_concurrent_writes_under_one_tag_let_exactly_one_through(api) -> None:
    """20 PATCHes sent at once under the same tag: one 204, the others 412; no update is lost."""
    conn = await created(api)
    url = f"{URL}/{conn['qID']}"
    headers = {**api.h(api.alice), "If-Match": '"1"'}
    answers = await asyncio.gather(
        *(api.client.patch(url, json=rename(f"n{i}"), headers=headers) for i in range(20))
    )
    assert Counter(r.status_code for r in answers) == {204: 1, 412: 19}
    winner = next(i for i, r in enumerate(answers) if r.status_code == 204)
    got = await api.client.get(url, headers=api.h(api.alice))
    assert got.json()["qName"] == f"n{winner}"
    assert got.headers["ETag"] == '"2"'
