"""Audit events: recorded with the change they describe, with the caller, and no secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from tests.audit.helpers import as_text, stored_events

from dcaas.audit import types
from dcaas.audit.models import AuditEvent
from dcaas.space.models import Space

if TYPE_CHECKING:
    from tests.conftest import Api

P = "/api/v1/data-connections"
PASSWORD = "audit-pw-Zk81qv"
NEW_PASSWORD = "audit-pw2-Lm27xr"


async def _create(api: Api, name: str = "c1") -> dict[str, str]:
    body = {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {
            "url": "https://example.com/a",
            "authSchema": "basic",
            "username": "u",
            "password": PASSWORD,
        },
    }
    res = await api.client.post(P, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return {"id": res.json()["qID"], "request": res.headers["x-request-id"]}


async def test_a_create_records_its_event_with_the_caller(api: Api) -> None:
    """Creating a connection records data-connection.created with the caller's user, key,
    address, user agent and the request's id."""
    made = await _create(api)
    found = await stored_events(api, type=types.CONNECTION_CREATED, object_id=made["id"])
    assert len(found) == 1
    event = found[0]
    assert event.request_id == made["request"]
    assert event.actor_id is not None
    assert event.actor_key_id is not None
    assert event.client_ip
    assert event.user_agent
    assert event.outcome == "success"
    assert event.tenant_id
    assert event.source == "com.qlik/data-connections"


async def test_an_update_names_the_changed_properties_only(api: Api) -> None:
    """A PATCH's event lists the changed property names, not their values."""
    made = await _create(api)
    ops = [
        {"op": "replace", "path": "/connectionProperties/url", "value": "https://example.com/b"},
        {"op": "replace", "path": "/connectionProperties/username", "value": "u2"},
        {"op": "replace", "path": "/connectionProperties/password", "value": NEW_PASSWORD},
    ]
    res = await api.client.patch(f"{P}/{made['id']}", json=ops, headers=api.h(api.alice))
    assert res.status_code == 204, res.text
    request = res.headers["x-request-id"]
    updated = await stored_events(api, type=types.CONNECTION_UPDATED, request_id=request)
    assert len(updated) == 1
    assert "connectionProperties.url" in updated[0].data["changed"]
    text = " ".join(as_text(e) for e in await stored_events(api, request_id=request))
    assert "example.com/b" not in text
    assert NEW_PASSWORD not in text


async def test_no_event_holds_a_secret(api: Api) -> None:
    """After creating, changing, duplicating and deleting with secrets, no stored event
    holds any of them."""
    made = await _create(api)
    ops = [{"op": "replace", "path": "/connectionProperties/password", "value": NEW_PASSWORD}]
    await api.client.patch(f"{P}/{made['id']}", json=ops, headers=api.h(api.alice))
    dup = await api.client.post(
        f"{P}/actions/duplicate", json={"id": made["id"]}, headers=api.h(api.alice)
    )
    assert dup.status_code == 201, dup.text
    await api.client.delete(f"{P}/{made['id']}", headers=api.h(api.alice))
    found = await stored_events(api)
    assert len(found) >= 5
    texts = [as_text(e) for e in found]
    for secret in (PASSWORD, NEW_PASSWORD, api.alice, api.alice.rsplit("_", 1)[1]):
        assert not [t for t in texts if secret in t], secret


async def test_duplicate_and_delete_are_recorded(api: Api) -> None:
    """A duplicate records data-connection.duplicated naming the original; a delete, deleted."""
    made = await _create(api)
    dup = await api.client.post(
        f"{P}/actions/duplicate", json={"id": made["id"]}, headers=api.h(api.alice)
    )
    copy = dup.json()["qID"]
    dups = await stored_events(api, type=types.CONNECTION_DUPLICATED, object_id=copy)
    assert [e.data["sourceId"] for e in dups] == [made["id"]]
    res = await api.client.delete(f"{P}/{made['id']}", headers=api.h(api.alice))
    assert res.status_code == 204
    assert await stored_events(api, type=types.CONNECTION_DELETED, object_id=made["id"])


async def test_a_rolled_back_change_leaves_no_event(api: Api) -> None:
    """A transaction that flushed a change and its event, then rolled back, keeps neither;
    the same change committed keeps both."""
    state = api.app.state.dcaas  # type: ignore[attr-defined]
    made = await _create(api)
    tenant = (await stored_events(api, object_id=made["id"]))[0].tenant_id
    owner = (await stored_events(api, object_id=made["id"]))[0].actor_id

    def space(name: str) -> Space:
        return Space(tenant_id=tenant, type="shared", name=name, owner_id=owner)

    rolled = space("rolled-back")
    pending = []

    async def change_then_fail() -> None:
        async with state.store.write() as session:
            session.add(rolled)
            await session.flush()
            pending.extend(session.info["dcaas.audit.pending"])  # the event was in it
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await change_then_fail()
    assert [e.object_id for e in pending] == [rolled.id]
    async with state.store.write() as session:
        kept = space("kept")
        session.add(kept)
    async with state.sessions() as session:
        spaces = await session.scalar(
            select(func.count()).select_from(Space).where(Space.name == "rolled-back")
        )
    assert spaces == 0
    assert await stored_events(api, object_id=rolled.id) == []
    assert len(await stored_events(api, type=types.SPACE_CREATED, object_id=kept.id)) == 1


async def test_a_refused_request_records_no_change(api: Api) -> None:
    """A create refused for a duplicate name records no created event."""
    await _create(api, "same")
    before = len(await stored_events(api, type=types.CONNECTION_CREATED))
    body = {"qName": "same", "datasourceID": "rest", "connectionProperties": {"url": "https://e.x"}}
    res = await api.client.post(P, json=body, headers=api.h(api.alice))
    assert res.status_code == 409
    assert len(await stored_events(api, type=types.CONNECTION_CREATED)) == before


async def test_failed_authentication_is_recorded_without_the_token(api: Api) -> None:
    """A wrong key records user.authentication-failed once a minute per address, with the
    count folded in, and never the token presented."""
    wrong = "dcaas_abcdefgh_" + "x" * 40
    for _ in range(3):
        res = await api.client.get(P, headers=api.h(wrong))
        assert res.status_code == 401
    found = await stored_events(api, type=types.AUTH_FAILED)
    assert len(found) == 1
    assert found[0].outcome == "failure"
    assert found[0].data["code"] == "DCAAS-5002"
    assert wrong not in as_text(found[0])
    assert "x" * 40 not in as_text(found[0])


async def test_space_membership_and_api_keys_are_recorded(api: Api) -> None:
    """Assigning and removing a member, issuing and revoking a key: each has its event."""
    space = await api.client.post("/api/v1/spaces", json={"name": "team"}, headers=api.h(api.admin))
    space_id = space.json()["id"]
    spaces = await api.client.get("/api/v1/spaces", headers=api.h(api.bob))
    bob = next(s for s in spaces.json()["data"] if s["type"] == "personal")["ownerId"]
    member = await api.client.post(
        f"/api/v1/spaces/{space_id}/assignments",
        json={"assigneeId": bob, "roles": ["consumer"]},
        headers=api.h(api.admin),
    )
    assert member.status_code == 201, member.text
    gone = await api.client.delete(
        f"/api/v1/spaces/{space_id}/assignments/{member.json()['id']}", headers=api.h(api.admin)
    )
    assert gone.status_code == 204
    key = await api.client.post("/api/v1/api-keys", json={}, headers=api.h(api.bob))
    revoked = await api.client.delete(
        f"/api/v1/api-keys/{key.json()['id']}", headers=api.h(api.bob)
    )
    assert revoked.status_code == 204
    kinds = [e.type for e in await stored_events(api)]
    for kind in (
        types.MEMBER_ADDED,
        types.MEMBER_REMOVED,
        types.API_KEY_CREATED,
        types.API_KEY_REVOKED,
    ):
        assert kind in kinds
    assert key.json()["token"] not in " ".join(as_text(e) for e in await stored_events(api))


@pytest.mark.settings(audit=False)
async def test_auditing_off_records_nothing(api: Api) -> None:
    """With DCAAS_AUDIT=0 (for measuring its cost) no event is stored."""
    await _create(api)
    async with api.app.state.dcaas.sessions() as session:  # type: ignore[attr-defined]
        count = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 0


@pytest.mark.settings(outbound_allow="")
async def test_a_refused_browse_and_a_failed_test_are_recorded_as_failures(api: Api) -> None:
    """A browse the outbound policy refuses (400) leaves an event with outcome failure and
    the error's code; a failed test, one naming its failed step's code."""
    body = {
        "qName": "refused",
        "datasourceID": "rest",
        "connectionProperties": {"url": "http://127.0.0.1:9/items"},
    }
    made = (await api.client.post(P, json=body, headers=api.h(api.alice))).json()["qID"]
    res = await api.client.get(f"{P}/{made}/browse", headers=api.h(api.alice))
    assert res.status_code == 400
    browsed = await stored_events(api, type=types.CONNECTION_BROWSED)
    assert [(e.outcome, e.data["code"], e.data["path"]) for e in browsed] == [
        ("failure", res.json()["errors"][0]["code"], "")
    ]
    tested = await api.client.post(f"{P}/{made}/actions/test", headers=api.h(api.alice))
    assert tested.json()["status"] == "failed"
    found = await stored_events(api, type=types.CONNECTION_TESTED)
    assert [e.outcome for e in found] == ["failure"]
    assert found[0].data["code"].startswith("DCAAS-6")
