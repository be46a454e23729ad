"""Key status, retirement, resumable rotation and the conditional re-wrap, in process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from dcaas.credential.models import Credential
from dcaas.credential.vault import CREDENTIAL, open_credential, record_aad, seal_into
from dcaas.keys import RewrapOptions, key_admin, retire, rewrap, rotate, status
from dcaas.keys.repository import SEALED_TABLES, SealedRows
from dcaas.keys.service import KeyStatus
from dcaas.kit.crypto import DecryptionError, Envelope, LocalKeyProvider, Sealed
from dcaas.kit.db import transaction
from dcaas.kit.keyfile import KeyAdminError

if TYPE_CHECKING:
    from tests.conftest import Api

    from dcaas.deps import AppState

URL = "/api/v1/data-connections"


def _state(api: Api) -> AppState:
    return api.app.state.dcaas  # type: ignore[attr-defined, no-any-return]


async def _connection(api: Api, n: int, *, secret: bool) -> None:
    body = {
        "datasourceID": "rest",
        "qName": f"c-{n}",
        "connectionProperties": {
            "url": "https://example.com",
            "authSchema": "basic",
            "username": "u",
            "password": f"p-{n}",
        },
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    if secret:
        ops = [{"op": "add", "path": "/qConnectionSecret", "value": f"cs-{n}"}]
        res = await api.client.patch(
            f"{URL}/{res.json()['id']}", json=ops, headers=api.h(api.alice)
        )
        assert res.status_code == 204, res.text


async def _credentials(api: Api) -> list[Credential]:
    async with _state(api).sessions() as session:
        return list((await session.scalars(select(Credential).order_by(Credential.name))).all())


async def test_status_counts_records_per_key(api: Api) -> None:
    """Status lists the active key first, then the others, with credentials + connection secrets."""
    state = _state(api)
    admin = key_admin(state.envelope.provider)
    first = admin.ring().active
    for n in range(3):
        await _connection(api, n, secret=n < 2)  # 3 credentials + 2 connection secrets
    second = admin.add_key(None)
    await _connection(api, 3, secret=True)
    assert await status(state.sessions, admin) == [
        KeyStatus(second, "active", 2),
        KeyStatus(first, "available", 5),
    ]


async def test_retire_refuses_while_in_use_then_forgets_the_key(api: Api) -> None:
    """Retire refuses the active key and a key records use; after a re-wrap it retires it."""
    state = _state(api)
    provider = state.envelope.provider
    admin = key_admin(provider)
    old = admin.ring().active
    await _connection(api, 0, secret=True)
    stale = (await _credentials(api))[0]
    new = admin.add_key(None)
    with pytest.raises(KeyAdminError, match="is active"):
        await retire(state.sessions, admin, new)
    with pytest.raises(KeyAdminError, match="still protects 2 records"):
        await retire(state.sessions, admin, old)
    progress = await rewrap(state.sessions, provider, RewrapOptions(batch_size=1))
    assert (progress.moved, progress.remaining) == (2, 0)
    await retire(state.sessions, admin, old)
    assert await status(state.sessions, admin) == [
        KeyStatus(new, "active", 2),
        KeyStatus(old, "retired", 0),
    ]
    with pytest.raises(DecryptionError, match="retired"):
        open_credential_raw(state.envelope, stale)


def open_credential_raw(envelope: Envelope, cred: Credential) -> Any:
    sealed = Sealed(cred.ciphertext, cred.wrapped_key, cred.key_id)
    return envelope.open_json(sealed, aad=record_aad(CREDENTIAL, cred.tenant_id, cred.id))


async def test_rewrap_changes_only_the_wrapped_key(api: Api) -> None:
    """A re-wrap keeps the ciphertext, replaces the wrapped key, and the record still opens."""
    state = _state(api)
    await _connection(api, 0, secret=False)
    before = (await _credentials(api))[0]
    new = key_admin(state.envelope.provider).add_key(None)
    await rewrap(state.sessions, state.envelope.provider, RewrapOptions())
    after = (await _credentials(api))[0]
    assert after.ciphertext == before.ciphertext
    assert after.wrapped_key != before.wrapped_key
    assert after.key_id == new
    assert open_credential(state.envelope, after)["password"] == "p-0"


async def test_concurrent_reseal_is_not_overwritten(api: Api) -> None:
    """A record re-sealed by the API after the re-wrap read it keeps the API's value."""
    state = _state(api)
    await _connection(api, 0, secret=False)
    new = key_admin(state.envelope.provider).add_key(None)
    async with transaction(state.sessions) as session:
        (row,) = await SealedRows(session).not_on(SEALED_TABLES[0], new, after="", limit=10)
    async with transaction(state.sessions) as session:  # the server's update, meanwhile
        cred = await session.get(Credential, row.id)
        assert cred is not None
        seal_into(state.envelope, cred, {"password": "changed"})
    aad = record_aad(CREDENTIAL, row.tenant_id, row.id)
    rewrapped = state.envelope.provider.rewrap(row.key_id, row.wrapped_key, aad=aad)
    async with transaction(state.sessions) as session:
        assert not await SealedRows(session).swap_wrapped_key(row, *rewrapped)
    (cred,) = await _credentials(api)
    assert open_credential(state.envelope, cred) == {"password": "changed"}


async def test_rotate_resumes_an_unfinished_rotation(api: Api) -> None:
    """With records still on an old key, rotate finishes that rotation instead of adding a key."""
    state = _state(api)
    provider = state.envelope.provider
    admin = key_admin(provider)
    await _connection(api, 0, secret=True)
    interrupted = admin.add_key(None)  # as if killed right after adding its key
    added, progress = await rotate(state.sessions, provider, admin)
    assert added is None
    assert (provider.active_key_id, progress.moved, progress.remaining) == (interrupted, 2, 0)
    added, _ = await rotate(state.sessions, provider, admin)
    assert added is not None
    assert added != interrupted
    assert len(admin.ring().keys) == 3


async def test_fixed_key_cannot_be_rotated(api: Api) -> None:
    """A key given by DCAAS_ENCRYPTION_KEY has no ring to rotate; the refusal says why."""
    provider = LocalKeyProvider.from_secret("A" * 43 + "=")
    with pytest.raises(KeyAdminError, match="DCAAS_ENCRYPTION_KEY"):
        await rotate(_state(api).sessions, provider, provider)
