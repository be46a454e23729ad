"""Idempotency-Key on POST: a retry gets the first answer; reuse, races and failures."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from tests.conftest import assert_error

from dcaas.auth.service import authenticate
from dcaas.idempotency import service as service_module
from dcaas.idempotency.models import IdempotencyRecord
from dcaas.idempotency.service import Claim, IdempotencyService, fingerprint

URL = "/api/v1/data-connections"


def body(name: str) -> dict[str, Any]:
    return {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }


def keyed(api, user: str, key: str) -> dict[str, str]:
    return {**api.h(user), "Idempotency-Key": key}


async def count(api, name: str) -> int:
    """How many connections named ``name`` alice sees (her personal space included)."""
    r = await api.client.get(URL, params={"filter": f'qName eq "{name}"'}, headers=api.h(api.alice))
    return int(r.json()["meta"]["count"])


async def test_retry_with_same_key_replays_the_first_answer(api) -> None:
    """The same key and body twice: one connection, the same 201 body, marked as replayed."""
    first = await api.client.post(URL, json=body("c"), headers=keyed(api, api.alice, "k-1"))
    again = await api.client.post(URL, json=body("c"), headers=keyed(api, api.alice, "k-1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await count(api, "c") == 1


async def test_same_key_with_another_body_is_422(api) -> None:
    """A key reused for a different body is 422 DCAAS-8001 and creates nothing."""
    await api.client.post(URL, json=body("c"), headers=keyed(api, api.alice, "k-2"))
    r = await api.client.post(URL, json=body("d"), headers=keyed(api, api.alice, "k-2"))
    assert_error(r, 422, "DCAAS-8001")
    assert await count(api, "d") == 0


async def test_keys_belong_to_one_user(api) -> None:
    """Two users may use the same key: each gets their own connection."""
    a = await api.client.post(URL, json=body("a"), headers=keyed(api, api.alice, "shared"))
    b = await api.client.post(URL, json=body("b"), headers=keyed(api, api.bob, "shared"))
    m = await api.client.post(URL, json=body("a"), headers=keyed(api, api.mallory, "shared"))
    assert (a.status_code, b.status_code, m.status_code) == (201, 201, 201)
    assert len({a.json()["qID"], b.json()["qID"], m.json()["qID"]}) == 3


async def test_concurrent_duplicates_create_once(api) -> None:
    """Ten identical keyed requests at once: all answer the same 201, one connection exists."""
    answers = await asyncio.gather(
        *(
            api.client.post(URL, json=body("race"), headers=keyed(api, api.alice, "k-race"))
            for _ in range(10)
        )
    )
    assert [r.status_code for r in answers] == [201] * 10
    assert len({r.json()["qID"] for r in answers}) == 1
    assert await count(api, "race") == 1


async def test_a_failed_request_may_be_retried_under_its_key(api) -> None:
    """A first attempt that failed (409) is not stored: the retry runs and creates."""
    taken = await api.client.post(URL, json=body("x"), headers=api.h(api.alice))
    failed = await api.client.post(URL, json=body("x"), headers=keyed(api, api.alice, "k-3"))
    assert_error(failed, 409, "DCAAS-3002")
    await api.client.delete(f"{URL}/{taken.json()['qID']}", headers=api.h(api.alice))
    retried = await api.client.post(URL, json=body("x"), headers=keyed(api, api.alice, "k-3"))
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers


async def test_deprecated_create_and_duplicate_replay(api) -> None:
    """The deprecated create (with its Deprecation header) and duplicate replay too."""
    legacy = "/api/v1/dcaas/actions/data-connections"
    req = {
        "dataSourceId": "rest",
        "connectionName": "old",
        "connectionProperties": {"url": "https://api.example.com"},
    }
    one = await api.client.post(legacy, json=req, headers=keyed(api, api.alice, "k-old"))
    two = await api.client.post(legacy, json=req, headers=keyed(api, api.alice, "k-old"))
    assert (one.status_code, two.json()) == (201, one.json())
    assert two.headers["Deprecation"] == one.headers["Deprecation"]
    dup = {"id": one.json()["connectionId"], "name": "copy"}
    d1 = await api.client.post(
        f"{URL}/actions/duplicate", json=dup, headers=keyed(api, api.alice, "k-dup")
    )
    d2 = await api.client.post(
        f"{URL}/actions/duplicate", json=dup, headers=keyed(api, api.alice, "k-dup")
    )
    assert (d1.status_code, d2.json()) == (201, d1.json())
    assert await count(api, "copy") == 1


async def test_stored_answers_are_sealed(api) -> None:
    """A new API key's token is replayed to the retry but never stored in plain text."""
    url = "/api/v1/api-keys"
    one = await api.client.post(
        url, json={"description": "ci"}, headers=keyed(api, api.alice, "k-key")
    )
    two = await api.client.post(
        url, json={"description": "ci"}, headers=keyed(api, api.alice, "k-key")
    )
    token = one.json()["token"]
    assert two.json()["token"] == token
    async with api.app.state.dcaas.sessions() as session:
        rows = (await session.scalars(select(IdempotencyRecord))).all()
    assert rows
    for row in rows:
        assert token.encode() not in row.ciphertext
        assert b"token" not in row.ciphertext


async def test_expired_keys_may_be_used_again(api_with) -> None:
    """After DCAAS_IDEMPOTENCY_TTL_HOURS a key is free: a new body under it creates."""
    async with api_with(idempotency_ttl_hours=0.0002) as api:  # 0.72 s
        await api.client.post(URL, json=body("e1"), headers=keyed(api, api.alice, "k-ttl"))
        await asyncio.sleep(1)
        r = await api.client.post(URL, json=body("e2"), headers=keyed(api, api.alice, "k-ttl"))
        assert r.status_code == 201, r.text
        assert await count(api, "e2") == 1


async def test_invalid_keys_are_400(api) -> None:
    """An empty key, a non-ASCII key and one over 255 characters are 400 before any work."""
    for key in ("", "x" * 256):
        r = await api.client.post(URL, json=body("bad"), headers=keyed(api, api.alice, key))
        assert_error(r, 400)
    r = await api.client.post(URL, json=body("bad"), headers=keyed(api, api.alice, "\t"))
    assert_error(r, 400, "DCAAS-8003")
    assert await count(api, "bad") == 0


async def _claim_directly(api, key: str, payload: dict[str, Any]) -> None:
    """Hold ``key`` for alice as a request that is still running (or died) would."""
    state = api.app.state.dcaas
    caller = await authenticate(state.store, state.verifier, f"Bearer {api.alice}")
    service = IdempotencyService(state.store, caller, state.envelope, timedelta(hours=1))
    raw = json.dumps(payload).encode()
    claimed = await service.claim(key, fingerprint("POST", URL, "", raw))
    assert isinstance(claimed, Claim)


async def test_duplicate_of_a_running_request_is_409_when_it_does_not_finish(
    api, monkeypatch
) -> None:
    """While another request holds the key past the wait, a duplicate is 409 DCAAS-8002."""
    monkeypatch.setattr(service_module, "WAIT_FOR_FIRST", 0.3)
    await _claim_directly(api, "k-held", body("held"))
    r = await api.client.post(
        URL,
        content=json.dumps(body("held")),
        headers={**keyed(api, api.alice, "k-held"), "Content-Type": "application/json"},
    )
    assert_error(r, 409, "DCAAS-8002")
    assert r.headers["Retry-After"] == "1"
    assert await count(api, "held") == 0


async def test_a_stale_claim_is_taken_over(api, monkeypatch) -> None:
    """A claim whose request died (older than the stale limit) is taken over: the retry runs."""
    monkeypatch.setattr(service_module, "STALE_CLAIM", timedelta(seconds=0))
    await _claim_directly(api, "k-dead", body("dead"))
    r = await api.client.post(
        URL,
        content=json.dumps(body("dead")),
        headers={**keyed(api, api.alice, "k-dead"), "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert await count(api, "dead") == 1
