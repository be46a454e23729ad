"""/api/v1/webhooks: Qlik's shapes, tenant admins only, secrets sealed and never shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.conftest import assert_error

from dcaas.webhook.models import Webhook

W = "/api/v1/webhooks"
CREATED = "com.qlik.v1.data-connection.created"
SECRET = "whsec-never-shown-3f9a1c"
HEADER_SECRET = "Bearer hdr-never-shown-77e2"
LOCAL = pytest.mark.settings(outbound_allow="127.0.0.1/32")


def hook(**extra: object) -> dict[str, object]:
    return {
        "name": "ops",
        "url": "http://127.0.0.1:9/hook",
        "eventTypes": [CREATED],
        "secret": SECRET,
        "encryptedHeaders": {"Authorization": HEADER_SECRET},
        "headers": {"X-Team": "data"},
        **extra,
    }


async def _create(api, **extra: object) -> dict[str, object]:
    res = await api.client.post(W, json=hook(**extra), headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    return res.json()


@LOCAL
async def test_create_answers_the_webhook_without_its_secrets(api) -> None:
    """POST answers 201 in Qlik's shape: secretKeyAdded and encrypted header names only."""
    res = await api.client.post(W, json=hook(), headers=api.h(api.admin))
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["secretKeyAdded"] is True
    assert body["encryptedHeaders"] == ["Authorization"]
    assert body["headers"] == {"X-Team": "data"}
    assert body["enabled"] is True
    assert body["origin"] == "api"
    assert SECRET not in res.text
    assert HEADER_SECRET not in res.text
    got = await api.client.get(f"{W}/{body['id']}", headers=api.h(api.admin))
    assert got.json() == body


@LOCAL
async def test_secret_and_encrypted_headers_are_sealed_at_rest(api) -> None:
    """The stored row holds neither the secret nor the encrypted header's value in clear."""
    created = await _create(api)
    async with api.app.state.dcaas.sessions() as db:
        row = await db.scalar(select(Webhook).where(Webhook.id == created["id"]))
    stored = repr({c.key: getattr(row, c.key) for c in Webhook.__table__.columns})
    assert row.sealed is not None
    assert row.sealed_key_id
    assert SECRET not in stored
    assert HEADER_SECRET not in stored
    assert SECRET.encode() not in row.sealed


@LOCAL
async def test_non_admins_are_refused(api) -> None:
    """A tenant member who is no admin gets 403 DCAAS-5011 on list and create."""
    assert_error(await api.client.get(W, headers=api.h(api.alice)), 403, "DCAAS-5011")
    res = await api.client.post(W, json=hook(), headers=api.h(api.alice))
    assert_error(res, 403, "DCAAS-5011")


@LOCAL
async def test_another_tenant_sees_none_of_the_webhooks(api) -> None:
    """Tenant evil's admin lists none of acme's webhooks and gets 404 for one of them."""
    created = await _create(api)
    from dcaas.bootstrap import create_key  # noqa: PLC0415

    evil = await create_key(api.app.state.dcaas.sessions, tenant="evil", user="eve", admin=True)
    listed = await api.client.get(W, headers=api.h(evil.token))
    assert listed.status_code == 200
    assert listed.json()["data"] == []
    one = await api.client.get(f"{W}/{created['id']}", headers=api.h(evil.token))
    assert_error(one, 404, "DCAAS-7501")
    gone = await api.client.delete(f"{W}/{created['id']}", headers=api.h(evil.token))
    assert_error(gone, 404, "DCAAS-7501")


@pytest.mark.settings(outbound_allow="")
async def test_loopback_and_metadata_urls_are_refused_by_the_outbound_policy(api) -> None:
    """Without DCAAS_OUTBOUND_ALLOW, loopback, private and metadata URLs are 400 DCAAS-7503."""
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.5/x", "http://169.254.169.254/latest"):
        res = await api.client.post(W, json=hook(url=url), headers=api.h(api.admin))
        assert_error(res, 400, "DCAAS-7503")
    assert (await api.client.get(W, headers=api.h(api.admin))).json()["data"] == []


@LOCAL
async def test_bad_bodies_are_400_and_create_nothing(api) -> None:
    """Unknown event types, a URL with credentials, a reserved header: 400, nothing stored."""
    for extra in (
        {"eventTypes": ["com.qlik.v1.nope"]},
        {"url": "http://user:pw@127.0.0.1/x"},
        {"url": "ftp://127.0.0.1/x"},
        {"headers": {"Qlik-Signature": "forged"}},
        {"headers": {"X-A": "1"}, "encryptedHeaders": {"x-a": "2"}},
        {"colour": "red"},
    ):
        res = await api.client.post(W, json=hook(**extra), headers=api.h(api.admin))
        assert res.status_code == 400, (extra, res.text)
    assert (await api.client.get(W, headers=api.h(api.admin))).json()["data"] == []


@LOCAL
async def test_patch_changes_named_properties_and_keeps_the_secret(api) -> None:
    """PATCH /name and /enabled answer 204; the secret and encrypted headers stay."""
    created = await _create(api)
    ops = [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/enabled", "value": False},
    ]
    res = await api.client.patch(f"{W}/{created['id']}", json=ops, headers=api.h(api.admin))
    assert res.status_code == 204, res.text
    got = (await api.client.get(f"{W}/{created['id']}", headers=api.h(api.admin))).json()
    assert (got["name"], got["enabled"]) == ("renamed", False)
    assert got["secretKeyAdded"] is True
    assert got["encryptedHeaders"] == ["Authorization"]


@LOCAL
async def test_a_new_url_drops_the_encrypted_headers(api) -> None:
    """PATCH /url without new encryptedHeaders: the old ones are not sent to the new URL."""
    created = await _create(api)
    ops = [{"op": "replace", "path": "/url", "value": "http://127.0.0.1:10/other"}]
    res = await api.client.patch(f"{W}/{created['id']}", json=ops, headers=api.h(api.admin))
    assert res.status_code == 204, res.text
    got = (await api.client.get(f"{W}/{created['id']}", headers=api.h(api.admin))).json()
    assert got["encryptedHeaders"] == []
    assert got["secretKeyAdded"] is True


@LOCAL
async def test_put_of_a_get_answer_keeps_encrypted_headers_and_clears_the_secret(api) -> None:
    """PUT clears what it omits (the secret); encrypted header names sent back keep values."""
    created = await _create(api)
    res = await api.client.put(f"{W}/{created['id']}", json=created, headers=api.h(api.admin))
    assert res.status_code == 200, res.text
    assert res.json()["encryptedHeaders"] == ["Authorization"]
    assert res.json()["secretKeyAdded"] is False


@LOCAL
async def test_cloud_events_cannot_be_turned_off_once_on(api) -> None:
    """enableCloudEventDelivery true then false: 400 DCAAS-7504."""
    created = await _create(api, enableCloudEventDelivery=True)
    ops = [{"op": "replace", "path": "/enableCloudEventDelivery", "value": False}]
    res = await api.client.patch(f"{W}/{created['id']}", json=ops, headers=api.h(api.admin))
    assert_error(res, 400, "DCAAS-7504")


@LOCAL
async def test_delete_removes_the_webhook(api) -> None:
    """DELETE answers 204; the webhook is gone (404 DCAAS-7501)."""
    created = await _create(api)
    res = await api.client.delete(f"{W}/{created['id']}", headers=api.h(api.admin))
    assert res.status_code == 204
    again = await api.client.get(f"{W}/{created['id']}", headers=api.h(api.admin))
    assert_error(again, 404, "DCAAS-7501")


async def test_event_types_list_the_catalog(api) -> None:
    """GET /event-types lists Qlik-style names, the connection events among them."""
    res = await api.client.get(f"{W}/event-types", headers=api.h(api.alice))
    names = [t["name"] for t in res.json()["data"]]
    assert CREATED in names
    assert "com.qlik.v1.webhook.disabled" in names


@LOCAL
async def test_list_pages_with_qlik_cursors(api) -> None:
    """limit=2 over three webhooks: links.next (a ``next`` cursor) reaches the third."""
    for i in range(3):
        await _create(api, name=f"h{i}")
    first = (
        await api.client.get(W, params={"limit": 2, "sort": "name"}, headers=api.h(api.admin))
    ).json()
    assert [h["name"] for h in first["data"]] == ["h0", "h1"]
    nxt = await api.client.get(first["links"]["next"]["href"], headers=api.h(api.admin))
    assert [h["name"] for h in nxt.json()["data"]] == ["h2"]


@LOCAL
async def test_filters_beyond_qlik_s_subset_are_refused(api) -> None:
    """A filter on another attribute, with another operator, or unparsable: 400 DCAAS-7504."""
    for text in ('name eq "x"', 'id co "x"', "id eq", "spaceId pr"):
        res = await api.client.post(W, json=hook(filter=text), headers=api.h(api.admin))
        assert_error(res, 400, "DCAAS-7504")


async def test_odd_ids_are_404_never_500(api) -> None:
    """Ids no store could hold (NUL, a lone surrogate, 5000 characters) answer 404."""
    for odd in ("%00", "%ED%A0%80", "x" * 5000):
        res = await api.client.get(f"{W}/{odd}", headers=api.h(api.admin))
        assert res.status_code in (400, 404), (odd, res.text)
        res = await api.client.get(f"{W}/{odd}/deliveries/{odd}", headers=api.h(api.admin))
        assert res.status_code in (400, 404), (odd, res.text)


@LOCAL
async def test_a_create_retried_with_its_idempotency_key_makes_one_webhook(api) -> None:
    """The same POST twice with one Idempotency-Key: one webhook, the same answer."""
    headers = {**api.h(api.admin), "Idempotency-Key": "wh-create-1"}
    first = await api.client.post(W, json=hook(), headers=headers)
    again = await api.client.post(W, json=hook(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len((await api.client.get(W, headers=api.h(api.admin))).json()["data"]) == 1


@LOCAL
async def test_what_dcaas_cannot_honour_is_refused(api) -> None:
    """level "user", an ownerId, checkCertificateRevocation: 400 DCAAS-7504, nothing stored."""
    for extra in ({"level": "user"}, {"ownerId": "someone"}, {"checkCertificateRevocation": True}):
        res = await api.client.post(W, json=hook(**extra), headers=api.h(api.admin))
        assert_error(res, 400, "DCAAS-7504")
    assert (await api.client.get(W, headers=api.h(api.admin))).json()["data"] == []
