"""Delivery from the outbox to a real receiver: signed, at least once, in order, retried."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from tests.webhook.conftest import RECEIVER_SECRET, drain, worker_of
from tests.webhook.events import ChangeEvent
from tests.webhook.receiver import Receiver

from dcaas.kit.time import utcnow
from dcaas.webhook.models import Attempt, Delivery
from dcaas.webhook.outbox import enqueue
from dcaas.webhook.worker import Worker

W = "/api/v1/webhooks"
C = "/api/v1/data-connections"
CREATED = "com.qlik.v1.data-connection.created"
UPDATED = "com.qlik.v1.data-connection.updated"
FAST = pytest.mark.settings(
    outbound_allow="127.0.0.1/32",
    webhook_backoff_seconds=0.05,
    webhook_backoff_max_seconds=0.2,
    webhook_max_attempts=50,
)


async def _webhook(api, receiver, **extra: object) -> dict[str, object]:
    body = {
        "name": "ops",
        "url": receiver.url,
        "eventTypes": [CREATED, UPDATED],
        "secret": RECEIVER_SECRET,
        **extra,
    }
    res = await api.client.post(W, json=body, headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    return res.json()


async def _connection(api, name: str) -> str:
    body = {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }
    res = await api.client.post(C, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def _event(tenant_id: str, object_id: str, n: int, type_: str = UPDATED) -> ChangeEvent:
    return ChangeEvent(
        type=type_,
        tenant_id=tenant_id,
        actor_id="u",
        object_type="data-connection",
        object_id=object_id,
        data={"n": n},
    )


async def _tenant_of(api) -> str:
    from dcaas.auth.service import authenticate  # noqa: PLC0415

    state = api.app.state.dcaas
    principal = await authenticate(
        state.store, state.verifier, f"Bearer {api.admin}", state.auth_cache
    )
    return principal.tenant_id


@FAST
async def test_a_created_connection_is_delivered_signed_in_qlik_s_envelope(api, receiver) -> None:
    """Connection create -> one POST: Qlik's envelope, a Qlik-Signature that verifies."""
    await _webhook(api, receiver)
    connection_id = await _connection(api, "sales")
    await drain(worker_of(api), lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    assert got.signed
    assert got.body["eventType"] == CREATED
    assert got.body["extensions"]["topLevelResourceId"] == connection_id
    assert got.body["cloudEventsVersion"] == "0.1"
    assert got.body["data"]["name"] == "sales"


@FAST
async def test_cloud_events_delivery_is_structured_cloudevents_1_0(api, receiver) -> None:
    """enableCloudEventDelivery: specversion 1.0, id, type, source; content type cloudevents."""
    await _webhook(api, receiver, enableCloudEventDelivery=True)
    connection_id = await _connection(api, "ce")
    await drain(worker_of(api), lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    assert got.signed
    assert got.body["specversion"] == "1.0"
    assert got.body["type"] == CREATED
    assert got.body["subject"] == connection_id
    assert got.headers["Content-Type"] == "application/cloudevents+json"


@FAST
async def test_an_event_of_a_rolled_back_change_is_never_delivered(api, receiver) -> None:
    """enqueue in a write that rolls back leaves no delivery; one that commits leaves one."""
    await _webhook(api, receiver)
    tenant = await _tenant_of(api)
    store = api.app.state.dcaas.store

    async def failing_change() -> None:
        async with store.write() as db:
            await enqueue(db, _event(tenant, "c-rolled-back", 1))
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        await failing_change()
    async with store.write() as db:
        await enqueue(db, _event(tenant, "c-committed", 2))
    async with store.read() as db:
        count = await db.scalar(select(func.count()).select_from(Delivery))
    assert count == 1
    await drain(worker_of(api), lambda: len(receiver.received) == 1)
    assert receiver.received[0].body["extensions"]["topLevelResourceId"] == "c-committed"


@FAST
async def test_receiver_down_then_up_every_event_arrives_in_order(api, receiver) -> None:
    """Receiver down for a while, then up: every event delivered, in order per connection."""
    await _webhook(api, receiver)
    tenant = await _tenant_of(api)
    store = api.app.state.dcaas.store
    receiver.stop()
    sent: dict[str, list[str]] = {"a": [], "b": []}
    for n in range(6):
        for obj in ("a", "b"):
            event = _event(tenant, obj, n)
            async with store.write() as db:
                await enqueue(db, event)
            sent[obj].append(event.id)
    worker = worker_of(api)
    for _ in range(5):  # rounds while the receiver is down: attempts fail and are retried
        await worker.run_once()
    assert receiver.received == []
    receiver.start()
    await drain(worker, lambda: len(receiver.received) >= 12)
    by_object = {
        obj: [
            r.event_id
            for r in receiver.received
            if r.body["extensions"]["topLevelResourceId"] == obj
        ]
        for obj in ("a", "b")
    }
    assert by_object == sent  # each exactly once (no 2xx was lost), in order
    assert all(r.signed for r in receiver.received)


@FAST
async def test_failed_attempts_are_recorded_and_retried_with_the_same_event_id(
    api, receiver
) -> None:
    """503 twice, then 200: three attempts recorded (codes, bodies); one event id throughout."""
    created = await _webhook(api, receiver)
    receiver.fail_status = 503
    await _connection(api, "retry")
    worker = worker_of(api)
    await worker.run_once()
    await drain(worker, lambda: worker.sent >= 2)
    receiver.fail_status = None
    await drain(worker, lambda: len(receiver.received) == 1)
    listed = await api.client.get(f"{W}/{created['id']}/deliveries", headers=api.h(api.admin))
    [delivery] = listed.json()["data"]
    one = await api.client.get(
        f"{W}/{created['id']}/deliveries/{delivery['id']}", headers=api.h(api.admin)
    )
    body = one.json()
    assert body["status"] == "success"
    assert body["eventId"] == receiver.received[0].event_id
    codes = [a["statusCode"] for a in body["attempts"]]
    assert codes[-1] == 200
    assert set(codes[:-1]) == {503}
    assert len(codes) >= 3
    assert body["attempts"][0]["responseBody"] == "down for maintenance"
    assert RECEIVER_SECRET not in one.text


@pytest.mark.settings(
    outbound_allow="127.0.0.1/32",
    webhook_backoff_seconds=0.01,
    webhook_backoff_max_seconds=0.02,
    webhook_max_attempts=2,
    webhook_disable_after=1,
)
async def test_persistent_failure_disables_the_webhook_with_an_event(api, receiver) -> None:
    """Out of attempts: the delivery fails, the webhook is disabled with a reason, and a
    com.qlik.v1.webhook.disabled event goes to the tenant's other webhooks."""

    broken = await _webhook(api, receiver)
    watcher = Receiver(secret=RECEIVER_SECRET).start()
    try:
        await _webhook(api, watcher, name="watcher", eventTypes=["com.qlik.v1.webhook.disabled"])
        receiver.fail_status = 500
        await _connection(api, "doomed")
        await drain(worker_of(api), lambda: len(watcher.received) == 1)
        got = await api.client.get(f"{W}/{broken['id']}", headers=api.h(api.admin))
        assert got.json()["enabled"] is False
        assert got.json()["disabledReasonCode"] == "DELIVERY_FAILED"
        event = watcher.received[0].body
        assert event["eventType"] == "com.qlik.v1.webhook.disabled"
        assert event["extensions"]["topLevelResourceId"] == broken["id"]
    finally:
        watcher.stop()


@FAST
async def test_resend_delivers_the_same_event_again(api, receiver) -> None:
    """actions/resend: 201, a new delivery; the receiver gets the same event id twice."""
    created = await _webhook(api, receiver)
    await _connection(api, "again")
    worker = worker_of(api)
    await drain(worker, lambda: len(receiver.received) == 1)
    [delivery] = (
        await api.client.get(f"{W}/{created['id']}/deliveries", headers=api.h(api.admin))
    ).json()["data"]
    res = await api.client.post(
        f"{W}/{created['id']}/deliveries/{delivery['id']}/actions/resend", headers=api.h(api.admin)
    )
    assert res.status_code == 201, res.text
    await drain(worker, lambda: len(receiver.received) == 2)
    assert receiver.ids()[0] == receiver.ids()[1]


def test_signature_is_hex_hmac_sha256_of_the_body() -> None:
    """sign() is what a receiver computes: hmac.new(secret, body, sha256).hexdigest()."""
    from dcaas.webhook.signing import sign  # noqa: PLC0415

    body = b'{"eventId":"1"}'
    assert sign("s3cret", body) == hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()


@FAST
async def test_an_answer_echoing_the_secrets_is_stored_without_them(api, receiver) -> None:
    """A receiver that answers with the request's headers: the stored answer (body and
    attempts) has the encrypted header's value and the signature secret omitted."""
    echoed = "Bearer echo-never-stored-1b7"
    created = await _webhook(api, receiver, encryptedHeaders={"Authorization": echoed})
    receiver.echo = True
    await _connection(api, "echo")
    await drain(worker_of(api), lambda: len(receiver.received) == 1)
    assert receiver.received[0].headers["Authorization"] == echoed  # it was sent
    base = f"{W}/{created['id']}/deliveries"
    [delivery] = (await api.client.get(base, headers=api.h(api.admin))).json()["data"]
    one = await api.client.get(f"{base}/{delivery['id']}", headers=api.h(api.admin))
    assert one.status_code == 200
    assert echoed not in one.text
    assert "**OMITTED**" in one.json()["response"]["body"]
    assert one.json()["request"]["headers"]["Authorization"] == "**OMITTED**"


@FAST
async def test_the_outbound_policy_is_checked_again_at_delivery(api, receiver) -> None:
    """A worker whose policy refuses loopback sends nothing; the attempt records why."""
    created = await _webhook(api, receiver)
    await _connection(api, "refused")
    strict = api.settings.model_copy(update={"outbound_allow": ""})
    strict.__dict__.pop("outbound", None)  # the cached policy of the original settings
    state = api.app.state.dcaas
    worker = Worker(state.store, state.envelope, strict, name="strict")
    assert await worker.run_once() == 1
    base = f"{W}/{created['id']}/deliveries"
    [delivery] = (await api.client.get(base, headers=api.h(api.admin))).json()["data"]
    one = (await api.client.get(f"{base}/{delivery['id']}", headers=api.h(api.admin))).json()
    assert receiver.received == []
    assert "loopback" in one["attempts"][0]["error"]
    assert one["status"] == "pending"


@FAST
async def test_finished_deliveries_older_than_the_history_are_pruned(api, receiver) -> None:
    """prune() forgets a delivered event older than DCAAS_WEBHOOK_HISTORY_DAYS (with its
    attempts) and keeps a pending one of the same age."""
    created = await _webhook(api, receiver)
    await _connection(api, "old")
    worker = worker_of(api)
    await drain(worker, lambda: len(receiver.received) == 1)
    receiver.stop()
    await _connection(api, "still-pending")
    await worker.run_once()  # fails: stays pending
    store = api.app.state.dcaas.store
    async with store.write() as db:
        await db.execute(update(Delivery).values(triggered_at=utcnow() - timedelta(days=8)))
    assert await worker.prune() == 1
    base = f"{W}/{created['id']}/deliveries"
    left = (await api.client.get(base, headers=api.h(api.admin))).json()["data"]
    assert [d["status"] for d in left] == ["pending"]
    async with store.read() as db:
        assert await db.scalar(select(func.count()).select_from(Attempt)) == 1


@FAST
async def test_key_rotation_rewraps_webhook_secrets_and_delivery_still_signs(api, receiver) -> None:
    """dcaas keys rotate (in process) moves the webhook's sealed secret to the new key and
    retires the old one; the next delivery is still signed with the secret."""
    from dcaas.keys import key_admin, retire, rotate  # noqa: PLC0415

    await _webhook(api, receiver)
    state = api.app.state.dcaas
    provider = state.envelope.provider
    admin = key_admin(provider)
    old = admin.ring().active
    added, progress = await rotate(state.sessions, provider, admin)
    assert added is not None
    assert progress.remaining == 0
    await retire(state.sessions, admin, old)
    await _connection(api, "after-rotation")
    await drain(worker_of(api), lambda: len(receiver.received) == 1)
    assert receiver.received[0].signed


STOLEN = "Bearer must-not-follow-the-url-8d2"


async def _moved_to_capture(api, receiver, method: str) -> Receiver:
    """A webhook with an encrypted header for ``receiver``, then moved to a capture host by
    PATCH /url or by a PUT that sends the header back by name; an event follows."""
    capture = Receiver(secret=RECEIVER_SECRET).start()
    created = await _webhook(api, receiver, encryptedHeaders={"Authorization": STOLEN})
    url = f"{W}/{created['id']}"
    if method == "PATCH":
        ops = [{"op": "replace", "path": "/url", "value": capture.url}]
        res = await api.client.patch(url, json=ops, headers=api.h(api.admin))
    else:
        body = {**created, "url": capture.url, "secret": RECEIVER_SECRET}
        res = await api.client.put(url, json=body, headers=api.h(api.admin))
    assert res.status_code in (200, 204), res.text
    await _connection(api, f"moved-{method}")
    await drain(worker_of(api), lambda: len(capture.received) == 1)
    capture.stop()
    return capture


@FAST
async def test_a_url_moved_by_patch_receives_no_encrypted_header(api, receiver) -> None:
    """PATCH /url to another host: that host gets the event but not the encrypted header."""
    capture = await _moved_to_capture(api, receiver, "PATCH")
    assert STOLEN not in repr(capture.received)
    assert "Authorization" not in capture.received[0].headers


@FAST
async def test_a_url_moved_by_put_with_header_names_receives_no_encrypted_header(
    api, receiver
) -> None:
    """PUT of a GET answer with a new url (header names sent back): the values stay behind."""
    capture = await _moved_to_capture(api, receiver, "PUT")
    assert STOLEN not in repr(capture.received)
    assert "Authorization" not in capture.received[0].headers


@FAST
async def test_a_filter_lets_only_matching_events_through(api, receiver) -> None:
    """filter 'id eq "a" or id eq "c"': the events of objects a and c arrive, b's does not."""
    await _webhook(api, receiver, filter='id eq "a" or id eq "c"')
    tenant = await _tenant_of(api)
    store = api.app.state.dcaas.store
    for obj in ("a", "b", "c"):
        async with store.write() as db:
            await enqueue(db, _event(tenant, obj, 0))
    await drain(worker_of(api), lambda: len(receiver.received) == 2)
    got = [r.body["extensions"]["topLevelResourceId"] for r in receiver.received]
    assert sorted(got) == ["a", "c"]


@FAST
async def test_every_audited_change_reaches_its_subscribers(api, receiver) -> None:
    """Update, test and delete of a connection, recorded by the audit trail, are delivered in
    order: webhooks subscribe to the audit catalogue's types."""
    tested = "com.qlik.v1.data-connection.tested"
    deleted = "com.qlik.v1.data-connection.deleted"
    await _webhook(api, receiver, eventTypes=[UPDATED, tested, deleted])
    connection_id = await _connection(api, "orders")
    ops = [{"op": "replace", "path": "/qName", "value": "orders-2"}]
    res = await api.client.patch(f"{C}/{connection_id}", json=ops, headers=api.h(api.alice))
    assert res.status_code == 204, res.text
    res = await api.client.post(f"{C}/{connection_id}/actions/test", headers=api.h(api.alice))
    assert res.status_code in {200, 400, 503}, res.text
    res = await api.client.delete(f"{C}/{connection_id}", headers=api.h(api.alice))
    assert res.status_code == 204, res.text
    await drain(worker_of(api), lambda: len(receiver.received) == 3)
    bodies = [r.body for r in receiver.received]
    assert [b["eventType"] for b in bodies] == [UPDATED, tested, deleted]
    assert {b["extensions"]["topLevelResourceId"] for b in bodies} == {connection_id}
    assert all(r.signed for r in receiver.received)
