"""Failed authentications, throttled per client address in the shared limiter.

Guessing API keys or tokens costs one request per guess; without a limit 1,500 wrong keys
went by at 328 a second. Each failed authentication (any 401) counts against the client's
address (``DCAAS_AUTH_FAILURE_LIMIT``, default 20 a minute, in Redis when configured, so
replicas count together). One failure over the limit answers 429 with ``Retry-After``, and
until then every request from that address is refused before its credentials are even
looked at, valid ones too: otherwise the difference between 429 and 200 would still tell a
guesser when it was right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.errors import TooManyRequests, Unauthorized
from dcaas.observability.metrics import record_rate_limited

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from dcaas.auth.principal import Principal
    from dcaas.ratelimit.limiter import RateLimiter


def _refusal(retry: int) -> TooManyRequests:
    return TooManyRequests(
        f"too many failed authentications from this address; retry in {retry} s",
        meta={"reason": "authentication-failures", "retryAfter": retry},
        headers={"Retry-After": str(retry)},
    )


async def authenticate_throttled(
    limiter: RateLimiter, address: str, authenticate: Callable[[], Awaitable[Principal]]
) -> Principal:
    """``authenticate()``, unless ``address`` failed too often; count its failures."""
    if (retry := limiter.auth_blocked(address)) is not None:
        record_rate_limited("auth")
        raise _refusal(retry)
    try:
        return await authenticate()
    except Unauthorized:
        if (retry := await limiter.auth_failed(address)) is not None:
            record_rate_limited("auth")
            raise _refusal(retry) from None
        raise
