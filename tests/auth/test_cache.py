"""The in-process cache of authenticated callers."""

from __future__ import annotations

import time

from tests.conftest import Api, assert_error

from dcaas.auth.cache import PrincipalCache
from dcaas.auth.principal import Principal

ALICE = Principal(tenant_id="t", user_id="u", subject="alice", is_admin=False, via="api_key")


def test_cache_returns_a_remembered_caller_until_the_credential_expires() -> None:
    """A hit needs the same token and a credential that has not expired itself."""
    cache = PrincipalCache(60)
    cache.put("tok", ALICE, key_id="k1", not_after=time.time() + 60)
    cache.put("old", ALICE, key_id="k2", not_after=time.time() - 1)
    assert cache.get("tok") == ALICE
    assert cache.get("other") is None
    assert cache.get("old") is None


def test_evicting_a_key_forgets_every_token_of_it() -> None:
    """Revocation evicts by key id."""
    cache = PrincipalCache(60)
    cache.put("tok", ALICE, key_id="k1", not_after=float("inf"))
    cache.evict_key("k1")
    assert cache.get("tok") is None


def test_a_zero_lifetime_turns_the_cache_off() -> None:
    """DCAAS_AUTH_CACHE_SECONDS=0 never remembers."""
    cache = PrincipalCache(0)
    cache.put("tok", ALICE, key_id="k1", not_after=float("inf"))
    assert cache.get("tok") is None


async def test_a_revoked_key_stops_working_at_once_although_it_was_cached(api: Api) -> None:
    """Revoking through the API evicts the cached caller on this server."""
    created = await api.client.post(
        "/api/v1/api-keys", headers=api.h(api.alice), json={"description": "temp"}
    )
    assert created.status_code == 201, created.text
    token, key_id = created.json()["token"], created.json()["id"]
    ok = await api.client.get("/api/v1/data-connections", headers=api.h(token))
    assert ok.status_code == 200
    revoked = await api.client.delete(f"/api/v1/api-keys/{key_id}", headers=api.h(api.alice))
    assert revoked.status_code == 204
    after = await api.client.get("/api/v1/data-connections", headers=api.h(token))
    assert_error(after, 401)
