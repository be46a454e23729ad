"""Retention: events older than ``DCAAS_AUDIT_RETENTION_DAYS`` are deleted by a periodic task
of the server process (started in the app's lifespan).

Safe with several replicas: each deletes in short batches of ids it selected; two replicas
deleting the same batch delete each row once (the second finds it gone) and never wait for
each other long. A failed run is logged and retried at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import timedelta
from typing import TYPE_CHECKING

from dcaas.audit.repository import delete_before
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    from dcaas.kit.db import Store

log = logging.getLogger("dcaas.audit")
BATCH = 1000


async def purge(store: Store, days: float, *, batch: int = BATCH) -> int:
    """Delete every event older than ``days``, a batch per short transaction; how many."""
    cutoff = utcnow() - timedelta(days=days)
    total = 0
    while True:
        async with store.write() as session:
            gone = await delete_before(session, cutoff, limit=batch)
        total += gone
        if gone < batch:
            return total


class RetentionJob:
    """Runs :func:`purge` every ``interval`` seconds (the first run after a random part of
    it, so replicas started together do not run together)."""

    def __init__(self, store: Store, days: float, interval: float) -> None:
        self.store = store
        self.days = days
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dcaas-audit-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(random.uniform(0, min(self.interval, 60.0)))  # noqa: S311 - jitter
        while True:
            try:
                gone = await purge(self.store, self.days)
                if gone:
                    log.info("audit retention deleted %d events", gone)
            except Exception:
                log.exception("audit retention failed; retrying at the next interval")
            await asyncio.sleep(self.interval)
