"""Failed authentications are throttled per client address: 429 with Retry-After, counted in
the shared limiter (in memory, or in Redis across replicas)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from tests.conftest import assert_error

if TYPE_CHECKING:
    from tests.conftest import Api, ApiFactory

URL = "/api/v1/data-connections"


def wrong(api: Api, n: int) -> dict[str, str]:
    """A well-formed API key that is not one (the lookup of alice's, another secret)."""
    lookup = api.alice.split("_")[1]
    return api.h(f"dcaas_{lookup}_wrong-secret-{n:05d}")


def client_from(api: Api, address: str) -> httpx.AsyncClient:
    """A client of the same app, connecting from another address."""
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_guessing_keys_is_throttled_then_every_request_waits(api_with: ApiFactory) -> None:
    """5 failures a minute allowed: the 6th is 429 with Retry-After, and so is a valid key
    from that address; another address is not affected."""
    async with api_with(auth_failure_limit="5/minute") as api:
        for n in range(5):
            assert_error(await api.client.get(URL, headers=wrong(api, n)), 401)
        refused = await api.client.get(URL, headers=wrong(api, 5))
        error = assert_error(refused, 429, "HTTP-429")
        assert error["meta"]["reason"] == "authentication-failures"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert_error(await api.client.get(URL, headers=api.h(api.alice)), 429, "HTTP-429")
        async with client_from(api, "192.0.2.7") as other:
            assert (await other.get(URL, headers=api.h(api.alice))).status_code == 200


async def test_many_wrong_keys_get_at_most_the_limit_of_answers(api_with: ApiFactory) -> None:
    """Of 300 wrong keys (the issue sent 1,500) 20 are answered 401, every other one 429."""
    async with api_with() as api:
        statuses = [
            (await api.client.get(URL, headers=wrong(api, n))).status_code for n in range(300)
        ]
    assert statuses.count(401) == 20
    assert statuses.count(429) == 280


async def test_successful_authentications_are_not_counted(api_with: ApiFactory) -> None:
    """Valid keys never count: 10 good requests then 2 failures stay under a limit of 3."""
    async with api_with(auth_failure_limit="3/minute") as api:
        for _ in range(10):
            assert (await api.client.get(URL, headers=api.h(api.alice))).status_code == 200
        for n in range(2):
            assert_error(await api.client.get(URL, headers=wrong(api, n)), 401)


async def test_an_empty_limit_turns_the_throttle_off(api_with: ApiFactory) -> None:
    """DCAAS_AUTH_FAILURE_LIMIT empty: failures are all 401."""
    async with api_with(auth_failure_limit="") as api:
        for n in range(30):
            assert_error(await api.client.get(URL, headers=wrong(api, n)), 401)


async def test_replicas_count_failures_together_in_redis(
    api_with: ApiFactory, redis_url: str, redis_prefix: str
) -> None:
    """Two apps on one Redis: 3 failures on one and 1 on the other reach a limit of 3."""
    shared = {
        "auth_failure_limit": "3/minute",
        "redis_url": redis_url,
        "rate_limit_prefix": redis_prefix,
    }
    async with api_with(**shared) as one, api_with(**shared) as two:
        for n in range(3):
            assert_error(await one.client.get(URL, headers=wrong(one, n)), 401)
        refused = await two.client.get(URL, headers=wrong(two, 9))
        assert_error(refused, 429, "HTTP-429")
        assert two.app.state.dcaas.rate_limiter.status().storage == "redis"  # type: ignore[attr-defined]
