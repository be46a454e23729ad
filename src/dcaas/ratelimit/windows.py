"""Moving windows: how many requests a key made in the last ``expiry`` seconds.

* :class:`RedisWindows`, shared by every replica: one round trip per request, a Lua script
  over a sorted set of hit times (Redis's clock, so replicas with skewed clocks agree) that
  drops the expired hits, admits the hit when the window has room, and answers what is left
  and when the oldest hit leaves.
* :class:`LocalWindows`, in this process: per key, a deque of hit times. (``limits``' memory
  storage sweeps every key in a thread on each request, which costs more than the request
  once there are a few hundred callers.)

Both answer ``(allowed, remaining, reset_time)``, ``reset_time`` in ``time.time()`` seconds.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import coredis

if TYPE_CHECKING:
    from limits import RateLimitItem

Window = tuple[bool, int, float]

_MOVING_WINDOW = """
local key, limit, expiry, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - expiry)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, member)
  count = count + 1
  allowed = 1
end
redis.call('EXPIRE', key, expiry)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
local reset_in = expiry
if oldest then reset_in = tonumber(oldest) + expiry - now end
return {allowed, count, tostring(reset_in)}
"""


class RedisWindows:
    """Moving windows in Redis, one round trip per hit."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        self._client: Any = coredis.Redis.from_url(
            url, connect_timeout=timeout, stream_timeout=timeout, decode_responses=True
        )
        self._script: Any = self._client.register_script(_MOVING_WINDOW)
        self._prefix = prefix
        # Members must be unique across replicas: this process's random tag and a counter.
        self._tag = secrets.token_hex(6)
        self._counter = itertools.count()

    async def hit(self, item: RateLimitItem, keys: tuple[str, ...]) -> Window:
        expiry = item.get_expiry()
        key = ":".join((self._prefix, "window", str(item.amount), str(expiry), *keys))
        member = f"{self._tag}:{next(self._counter)}"
        allowed, count, reset_in = await self._script(
            keys=[key], args=[item.amount, expiry, member]
        )
        remaining = max(0, item.amount - int(count))
        return bool(allowed), remaining, time.time() + float(reset_in)

    async def ping(self) -> bool:
        return bool(await self._client.ping())


class LocalWindows:
    """Moving windows in this process: per key, the times of the hits still in the window."""

    _SWEEP_EVERY = 10_000  # hits between sweeps of keys whose window has emptied

    def __init__(self) -> None:
        self._hits: dict[tuple[str, ...], deque[float]] = {}
        self._until_sweep = self._SWEEP_EVERY

    def hit(self, item: RateLimitItem, keys: tuple[str, ...]) -> Window:
        """Count one hit if the window has room."""
        now = time.time()
        expiry = item.get_expiry()
        window = self._hits.get(keys)
        if window is None:
            window = self._hits[keys] = deque()
        while window and window[0] <= now - expiry:
            window.popleft()
        allowed = len(window) < item.amount
        if allowed:
            window.append(now)
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            self._sweep(now, expiry)
        reset = (window[0] if window else now) + expiry
        return allowed, max(0, item.amount - len(window)), reset

    def _sweep(self, now: float, expiry: float) -> None:
        self._until_sweep = self._SWEEP_EVERY
        for key in [k for k, w in self._hits.items() if not w or w[-1] <= now - expiry]:
            del self._hits[key]
