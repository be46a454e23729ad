"""Concurrent writes: one name per space, whatever the store and however many callers race."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.conftest import assert_error

URL = "/api/v1/data-connections"


def body(name: str) -> dict[str, object]:
    return {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }


async def test_fifty_concurrent_creates_of_one_name_give_one_201(api) -> None:
    """50 creates of one name at once: exactly one 201, 49 x 409 DCAAS-3002, never a 500."""
    answers = await asyncio.gather(
        *(api.client.post(URL, json=body("same"), headers=api.h(api.alice)) for _ in range(50))
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 49}
    for r in answers:
        if r.status_code == 409:
            assert_error(r, 409, "DCAAS-3002")
    listed = await api.client.get(
        URL, params={"filter": 'qName eq "same"'}, headers=api.h(api.alice)
    )
    assert listed.json()["meta"]["count"] == 1


async def test_concurrent_creates_of_distinct_names_all_succeed(api) -> None:
    """30 creates of different names at once all succeed (writers wait, they do not fail)."""
    answers = await asyncio.gather(
        *(api.client.post(URL, json=body(f"n{i}"), headers=api.h(api.alice)) for i in range(30))
    )
    assert [r.status_code for r in answers] == [201] * 30


async def test_concurrent_bulk_deletes_delete_each_connection_once(api) -> None:
    """8 bulk deletes of the same connections at once: all 207, each id deleted exactly once."""
    ids = []
    for i in range(8):
        r = await api.client.post(URL, json=body(f"d{i}"), headers=api.h(api.alice))
        ids.append(r.json()["qID"])
    request = {"connections": [{"id": i} for i in ids]}
    answers = await asyncio.gather(
        *(
            api.client.post(f"{URL}/actions/delete", json=request, headers=api.h(api.admin))
            for _ in range(8)
        )
    )
    assert [r.status_code for r in answers] == [207] * 8
    deleted = Counter(
        item["id"] for r in answers for item in r.json()["data"] if item["status"] == 204
    )
    assert deleted == dict.fromkeys(ids, 1)
