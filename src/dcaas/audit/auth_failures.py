"""Failed authentications in the audit trail: at most one event a minute per client address.

A guesser can send thousands of wrong keys; the trail keeps the fact (who, from where, how
often, which error code) without thousands of rows, and never the token presented. The
count of failures folded into an event is in ``data.failures`` (since the address's last
event, as seen by this process).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from dcaas.audit import types
from dcaas.audit.service import config_of, emit

if TYPE_CHECKING:
    from dcaas.kit.db import Store

_WINDOW = 60.0
_MAX_ADDRESSES = 10_000  # bounded memory under a spray from many addresses


class FailureThrottle:
    """Per address: when its last event was recorded and how many failures since."""

    def __init__(self, window: float = _WINDOW) -> None:
        self.window = window
        self._seen: dict[str, tuple[float, int]] = {}

    def due(self, address: str) -> int | None:
        """The failures to report now (this one included), or None while throttled."""
        now = time.monotonic()
        last, count = self._seen.get(address, (float("-inf"), 0))
        if now - last < self.window:
            self._seen[address] = (last, count + 1)
            return None
        if len(self._seen) >= _MAX_ADDRESSES:
            self._seen = {a: v for a, v in self._seen.items() if now - v[0] < self.window}
        self._seen[address] = (now, 0)
        return count + 1


async def record_failure(
    store: Store, throttle: FailureThrottle, address: str, *, code: str, scheme: str
) -> None:
    """Record a refused authentication from ``address`` in a short write of its own (the
    request has no other), unless one was recorded for it within the minute."""
    failures = throttle.due(address)
    if failures is None:
        return
    async with store.write() as session:
        if not config_of(session).enabled:
            return
        emit(
            session,
            types.AUTH_FAILED,
            object_type="user",
            outcome="failure",
            data={"code": code, "scheme": scheme, "failures": failures},
        )
