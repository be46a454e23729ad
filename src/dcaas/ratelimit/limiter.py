"""Counting requests against Qlik's tiers with the ``limits`` library (moving window).

Tier 1 is reads (GET, HEAD), tier 2 is writes (POST, PUT, PATCH, DELETE); each is counted
per tenant and user. With ``DCAAS_REDIS_URL`` every replica counts in the same Redis; without
it, each process counts in memory. When Redis fails the limiter falls back to memory (limits
then hold per process), logs one warning, reports itself unhealthy, and tries Redis again
every few seconds: a broken Redis never turns into failed requests.

The windows themselves are in :mod:`dcaas.ratelimit.windows` (one Redis round trip per
request; a deque per key in memory); ``limits`` reads the tier notation.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem, parse

from dcaas.errors import TooManyRequests
from dcaas.ratelimit.windows import LocalWindows, RedisWindows

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from dcaas.auth.principal import Principal
    from dcaas.config import Settings

log = logging.getLogger("dcaas.ratelimit")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_KEY = "dcaas.rate_limit"  # where the request's Quota waits for the pipeline's headers
_REDIS_TIMEOUT = 1.0  # seconds one Redis round trip may take before we count in memory
_RETRY_REDIS_AFTER = 5.0  # seconds between attempts to go back to Redis after a failure
_MAX_BLOCKED = 100_000  # addresses remembered as blocked in one process


def tier_of(method: str) -> int:
    return 1 if method.upper() in READ_METHODS else 2


def parse_limit(notation: str) -> RateLimitItem:
    """``"100/minute"`` and the rest of the ``limits`` notation; ValueError when it is not."""
    return parse(notation)


@dataclass(frozen=True)
class Quota:
    """Where a caller stands in one tier after this request."""

    tier: int
    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted request leaves the window
    window: int  # seconds

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers as an ASGI answer carries them."""
        return [(k.lower().encode(), v.encode()) for k, v in self.headers().items()]


@dataclass(frozen=True)
class LimiterStatus:
    """What health checks report: ``healthy`` is False while Redis is unreachable."""

    enabled: bool
    storage: str  # "redis" or "memory"
    healthy: bool
    detail: str


class RateLimiter:
    """One per process; ``hit`` counts a request, ``healthy``/``status``/``probe`` report."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self._items = {
            1: parse_limit(settings.rate_limit_tier1),
            2: parse_limit(settings.rate_limit_tier2),
        }
        self._local = LocalWindows()
        self._shared: RedisWindows | None = None
        if settings.redis_url:
            self._shared = RedisWindows(
                settings.redis_url, prefix=settings.rate_limit_prefix, timeout=_REDIS_TIMEOUT
            )
        self._healthy = True
        self._retry_at = 0.0
        self._last_error = ""
        failures = settings.auth_failure_limit
        self._auth_item = parse_limit(failures) if failures else None
        self._blocked: dict[str, float] = {}  # client address -> time.monotonic() of release

    def healthy(self) -> bool:
        """False while the shared store (Redis) is failing and counting fell back to memory."""
        return self._healthy

    def status(self) -> LimiterStatus:
        storage = "redis" if self._shared is not None else "memory"
        detail = "counting in memory: Redis is unreachable" if not self._healthy else "ok"
        if not self._healthy and self._last_error:
            detail += f" ({self._last_error})"
        return LimiterStatus(self.enabled, storage, self._healthy, detail)

    async def probe(self) -> bool:
        """Ask Redis now (for readiness checks); updates ``healthy`` either way."""
        if self._shared is None:
            return True
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT):
                reachable = await self._shared.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            self._degrade(exc)
            return False
        if reachable:
            self._recover()
        else:
            self._degrade(ConnectionError("Redis did not answer PING"))
        return reachable

    async def hit(self, method: str, tenant_id: str, user_id: str) -> tuple[bool, Quota]:
        """Count one request; ``(allowed, quota)``."""
        tier = tier_of(method)
        return await self._shared_or_local(
            self._items[tier], tier, (f"tier{tier}", tenant_id, user_id)
        )

    def auth_blocked(self, address: str) -> int | None:
        """Seconds this address must still wait after too many failed authentications.

        Known to this process once it counted one failure over the limit (the count itself
        is shared through Redis): no round trip on the way in.
        """
        until = self._blocked.get(address)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            self._blocked.pop(address, None)
            return None
        return max(1, math.ceil(left))

    async def auth_failed(self, address: str) -> int | None:
        """Count a failed authentication from ``address``; the seconds to wait when that was
        one too many (the address is then refused until they pass), else None."""
        if self._auth_item is None:
            return None
        item, keys = self._auth_item, ("auth-failures", address)
        allowed, quota = await self._shared_or_local(item, 0, keys)
        if allowed:
            return None
        retry = max(1, quota.reset)
        if len(self._blocked) > _MAX_BLOCKED:
            self._blocked.clear()  # bounded memory; the shared count still holds
        self._blocked[address] = time.monotonic() + retry
        return retry

    async def _shared_or_local(
        self, item: RateLimitItem, tier: int, keys: tuple[str, ...]
    ) -> tuple[bool, Quota]:
        if self._shared is not None and (self._healthy or time.monotonic() >= self._retry_at):
            try:
                async with asyncio.timeout(_REDIS_TIMEOUT * 2):
                    allowed, remaining, reset_time = await self._shared.hit(item, keys)
            except Exception as exc:  # noqa: BLE001 - a broken Redis must not fail requests
                self._degrade(exc)
            else:
                self._recover()
                return allowed, _quota(item, tier, remaining, reset_time)
        allowed, remaining, reset_time = self._local.hit(item, keys)
        return allowed, _quota(item, tier, remaining, reset_time)

    def _degrade(self, exc: BaseException) -> None:
        self._retry_at = time.monotonic() + _RETRY_REDIS_AFTER
        self._last_error = type(exc).__name__
        if self._healthy:
            self._healthy = False
            log.warning(
                "rate limits: Redis is unreachable (%s: %s); counting in memory per "
                "process until it is back",
                type(exc).__name__,
                exc,
            )

    def _recover(self) -> None:
        if not self._healthy:
            self._healthy = True
            self._last_error = ""
            log.warning("rate limits: Redis is reachable again; counting there")


def _quota(item: RateLimitItem, tier: int, remaining: int, reset_time: float) -> Quota:
    reset = max(0, math.ceil(reset_time - time.time()))
    window = item.get_expiry()
    return Quota(tier, item.amount, max(0, remaining), min(reset, window), window)


async def enforce(
    limiter: RateLimiter, scope: MutableMapping[str, Any], method: str, caller: Principal
) -> None:
    """Count an authenticated request; leave its quota for the headers; 429 over the limit."""
    if not limiter.enabled:
        return
    allowed, quota = await limiter.hit(method, caller.tenant_id, caller.user_id)
    scope[SCOPE_KEY] = quota
    if not allowed:
        retry = max(1, quota.reset)
        raise TooManyRequests(
            f"tier {quota.tier} allows {quota.limit} requests per {quota.window} s for each "
            f"user; retry in {retry} s",
            meta={"tier": quota.tier, "limit": quota.limit, "retryAfter": retry},
            headers={"Retry-After": str(retry)},
        )
