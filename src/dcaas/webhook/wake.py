"""Waking this process's worker when a transaction that enqueued deliveries commits, so
an event goes out at once rather than at the next poll (other replicas still poll)."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.ext.asyncio import AsyncSession

_KEY = "dcaas.webhook.enqueued"
_listeners: set[asyncio.Event] = set()


def after_commit(session: AsyncSession) -> None:
    """Mark the session: its commit wakes the workers of this process."""
    session.info[_KEY] = True


@contextmanager
def listening() -> Iterator[asyncio.Event]:
    woken = asyncio.Event()
    _listeners.add(woken)
    try:
        yield woken
    finally:
        _listeners.discard(woken)


def _committed(session: Session) -> None:
    if session.info.pop(_KEY, False):
        for woken in list(_listeners):
            woken.set()


def _rolled_back(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)


event.listen(Session, "after_commit", _committed)
event.listen(Session, "after_soft_rollback", _rolled_back)
