"""When to retry: 429 and 503, honouring Retry-After, within a bound on attempts and wait."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` counts the first try; ``max_wait`` bounds the total sleep (seconds).

    Without a Retry-After header the wait is exponential (``backoff`` doubled per attempt,
    at most ``backoff_cap``) with jitter, so many clients do not retry in step.
    """

    max_attempts: int = 4
    max_wait: float = 60.0
    backoff: float = 0.5
    backoff_cap: float = 8.0

    def delay(self, response: httpx.Response, attempt: int, waited: float) -> float | None:
        """Seconds to wait before the next attempt, or None to stop and raise."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.max_attempts:
            return None
        wait = retry_after(response)
        if wait is None:
            ceiling = min(self.backoff_cap, self.backoff * 2 ** (attempt - 1))
            wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto
        if waited + wait > self.max_wait:
            return None
        return wait


NO_RETRY = RetryPolicy(max_attempts=1)


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    A date is measured against the answer's own Date header when there is one, so a
    client whose clock is off still waits what the server meant.
    """
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    when = _http_date(raw)
    if when is None:
        return None
    now = _http_date(response.headers.get("Date", "")) or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def _http_date(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
