"""The delivery worker for the app's lifespan (``DCAAS_WEBHOOK_WORKER``, on by default)."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from dcaas.webhook.worker import Worker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from dcaas.config import Settings
    from dcaas.kit.crypto import Envelope
    from dcaas.kit.db import Store


@asynccontextmanager
async def delivering(store: Store, envelope: Envelope, settings: Settings) -> AsyncIterator[None]:
    """Run one worker while the app serves; stop it (finishing its round) on shutdown."""
    if not settings.webhook_worker:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(store, envelope, settings).run(stop), name="webhooks")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), settings.webhook_timeout + 5)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
