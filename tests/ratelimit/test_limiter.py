"""Rate limits: Qlik's tiers per tenant and user, their headers, Redis sharing and its failure."""

from __future__ import annotations

import logging
import socket

import pytest
from tests.conftest import assert_error

from dcaas.config import Settings
from dcaas.ratelimit import RateLimiter

URL = "/api/v1/data-connections"
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def body(name: str) -> dict[str, object]:
    return {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }


def closed_port() -> int:
    """A local port nothing listens on (a Redis that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_reads_carry_tier1_headers(api) -> None:
    """A GET answers with RateLimit-Limit 1000 and counts down RateLimit-Remaining."""
    first = await api.client.get(URL, headers=api.h(api.alice))
    second = await api.client.get(URL, headers=api.h(api.alice))
    assert first.status_code == 200
    assert first.headers["RateLimit-Limit"] == "1000"
    assert first.headers["RateLimit-Remaining"] == "999"
    assert second.headers["RateLimit-Remaining"] == "998"
    assert 0 <= int(first.headers["RateLimit-Reset"]) <= 60
    assert first.headers["RateLimit-Policy"] == "1000;w=60"


async def test_write_over_tier2_is_429_with_retry_after(api_with) -> None:
    """The write after the tier-2 limit is 429 HTTP-429 with Retry-After and the headers."""
    async with api_with(rate_limit_tier2="3/minute") as api:
        for i in range(3):
            r = await api.client.post(URL, json=body(f"c{i}"), headers=api.h(api.alice))
            assert r.status_code == 201, r.text
            assert r.headers["RateLimit-Limit"] == "3"
            assert r.headers["RateLimit-Remaining"] == str(2 - i)
        refused = await api.client.post(URL, json=body("c3"), headers=api.h(api.alice))
        error = assert_error(refused, 429, "HTTP-429")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit-Remaining"] == "0"
        assert error["meta"]["tier"] == 2
        listed = await api.client.get(URL, headers=api.h(api.alice))
        assert listed.json()["meta"]["count"] == 3


async def test_tiers_users_and_tenants_count_apart(api_with) -> None:
    """Exhausting alice's writes leaves her reads, bob's writes and mallory's writes alone."""
    async with api_with(rate_limit_tier2="1/minute") as api:
        post, get = api.client.post, api.client.get
        assert (await post(URL, json=body("a"), headers=api.h(api.alice))).status_code == 201
        assert (await post(URL, json=body("b"), headers=api.h(api.alice))).status_code == 429
        assert (await get(URL, headers=api.h(api.alice))).status_code == 200
        assert (await post(URL, json=body("c"), headers=api.h(api.bob))).status_code == 201
        assert (await post(URL, json=body("a"), headers=api.h(api.mallory))).status_code == 201


async def test_error_answers_carry_headers(api) -> None:
    """A 404 of an authenticated request still has the RateLimit headers."""
    r = await api.client.get(
        f"{URL}/00000000-0000-4000-8000-000000000000", headers=api.h(api.alice)
    )
    assert_error(r, 404)
    for name in HEADERS:
        assert name in r.headers


async def test_unauthenticated_requests_are_not_counted(api) -> None:
    """A request without a valid key is 401 without RateLimit headers (auth answers first)."""
    r = await api.client.get(URL, headers={"Authorization": "Bearer dcaas_nope_nope"})
    assert_error(r, 401)
    assert "RateLimit-Limit" not in r.headers
    health = await api.client.get("/health/live")
    assert "RateLimit-Limit" not in health.headers


async def test_disabled_limits_neither_count_nor_refuse(api_with) -> None:
    """DCAAS_RATE_LIMIT_ENABLED=false: no headers and no 429, whatever the tier setting."""
    async with api_with(rate_limit_enabled=False, rate_limit_tier2="1/minute") as api:
        for name in ("a", "b", "c"):
            r = await api.client.post(URL, json=body(name), headers=api.h(api.alice))
            assert r.status_code == 201
            assert "RateLimit-Limit" not in r.headers


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_limiter_counts_per_tenant_user_and_tier(store, request, redis_prefix) -> None:
    """The limiter itself: the moving window admits exactly the limit, per key and tier."""
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    settings = Settings(
        rate_limit_tier2="2/minute", redis_url=redis_url, rate_limit_prefix=redis_prefix
    )
    limiter = RateLimiter(settings)
    results = [(await limiter.hit("POST", "t", "u"))[0] for _ in range(3)]
    assert results == [True, True, False]
    assert (await limiter.hit("GET", "t", "u"))[0] is True
    assert (await limiter.hit("DELETE", "t", "other"))[0] is True
    assert limiter.healthy()
    assert limiter.status().storage == store


async def test_replicas_share_counts_through_redis(api_with, redis_url, redis_prefix) -> None:
    """Two apps on one Redis prefix count one user together: the third write is refused."""
    shared = {
        "rate_limit_tier2": "2/minute",
        "redis_url": redis_url,
        "rate_limit_prefix": redis_prefix,
    }
    async with api_with(**shared) as one, api_with(**shared) as two:
        # Separate databases, so the users differ in id: make them one by keying on the same ids.
        a = one.app.state.dcaas.rate_limiter
        b = two.app.state.dcaas.rate_limiter
        assert (await a.hit("POST", "t", "u"))[0]
        assert (await b.hit("POST", "t", "u"))[0]
        allowed, quota = await a.hit("POST", "t", "u")
        assert not allowed
        assert quota.remaining == 0
        assert one.app.state.dcaas.rate_limiter.status().storage == "redis"


async def test_redis_down_keeps_answering_and_reports_it(api_with, caplog, redis_prefix) -> None:
    """With Redis unreachable requests still answer, limits hold in memory, health says so."""
    caplog.set_level(logging.WARNING, logger="dcaas.ratelimit")
    async with api_with(
        rate_limit_tier2="2/minute",
        rate_limit_prefix=redis_prefix,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
    ) as api:
        limiter = api.app.state.dcaas.rate_limiter
        for _ in range(5):
            r = await api.client.get(URL, headers=api.h(api.alice))
            assert r.status_code == 200
            assert r.headers["RateLimit-Limit"] == "1000"
        statuses = [
            (await api.client.post(URL, json=body(f"c{i}"), headers=api.h(api.alice))).status_code
            for i in range(3)
        ]
        assert statuses == [201, 201, 429]
        assert limiter.healthy() is False
        status = limiter.status()
        assert (status.storage, status.healthy) == ("redis", False)
        assert await limiter.probe() is False
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1


async def test_probe_reports_a_reachable_redis(redis_url, redis_prefix) -> None:
    """probe() pings Redis: True and healthy when it answers."""
    limiter = RateLimiter(Settings(redis_url=redis_url, rate_limit_prefix=redis_prefix))
    assert await limiter.probe() is True
    assert limiter.healthy()
