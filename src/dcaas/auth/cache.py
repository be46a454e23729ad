"""A short-lived, in-process cache of authenticated callers.

Authenticating an API key costs two queries and a JWT one or two plus a signature check;
for a primary-key read that doubles the work. A successful authentication is remembered
for ``DCAAS_AUTH_CACHE_SECONDS`` (default 5, 0 turns it off), never past the key's or the
token's own expiry. Revoking a key evicts it at once on the replica that revoked it; other
replicas stop accepting it within the cache lifetime. Only digests of tokens are kept.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachetools import TTLCache

if TYPE_CHECKING:
    from dcaas.auth.principal import Principal


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    key_id: str | None
    not_after: float  # time.time() after which the credential itself is no longer valid


class PrincipalCache:
    def __init__(self, ttl: float, maxsize: int = 10_000) -> None:
        self.enabled = ttl > 0
        self._entries: TTLCache[bytes, _Entry] = TTLCache(maxsize=maxsize, ttl=max(ttl, 0.001))

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Principal | None:
        if not self.enabled:
            return None
        entry = self._entries.get(self._digest(token))
        if entry is None or entry.not_after <= time.time():
            return None
        return entry.principal

    def put(
        self, token: str, principal: Principal, *, key_id: str | None, not_after: float
    ) -> None:
        if self.enabled:
            self._entries[self._digest(token)] = _Entry(principal, key_id, not_after)

    def evict_key(self, key_id: str) -> None:
        for digest, entry in list(self._entries.items()):
            if entry.key_id == key_id:
                self._entries.pop(digest, None)
