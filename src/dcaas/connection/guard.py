"""The flush guard: a connection's properties, statement or credential change only through
the secret boundary.

:meth:`ConnectionService` applies a :class:`~dcaas.connection.boundary.Verdict` and calls
:func:`stamp`, which records what it approved on the instance. Before every flush, any new or
changed connection whose properties, statement or credential id differ from its stamp stops
the flush: a write path that skipped the boundary fails loudly (a 500 and a log line) instead
of sending a stored secret somewhere new.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from dcaas.connection.models import Connection
from dcaas.errors import InternalError

if TYPE_CHECKING:
    from collections.abc import Iterable

_STAMP = "dcaas.boundary"
_GUARDED = ("properties", "connect_statement", "credential_id", "separate_credentials")


class BoundaryBypassed(InternalError):
    """A connection was about to be stored with changes the boundary did not approve."""


def _fingerprint(connection: Connection) -> tuple[str, str, str | None, bool]:
    properties = json.dumps(connection.properties, sort_keys=True, default=str)
    separated = bool(connection.separate_credentials)
    return properties, connection.connect_statement, connection.credential_id, separated


def stamp(connection: Connection) -> None:
    """Mark the connection's current properties, statement and credential as approved."""
    inspect(connection).info[_STAMP] = _fingerprint(connection)


def _changed(connection: Connection) -> bool:
    state = inspect(connection)
    if state.pending or state.transient:
        return True
    return any(state.attrs[name].history.has_changes() for name in _GUARDED)


def _check(instances: Iterable[Any]) -> None:
    for instance in instances:
        if not isinstance(instance, Connection) or not _changed(instance):
            continue
        if inspect(instance).info.get(_STAMP) != _fingerprint(instance):
            raise BoundaryBypassed(
                "a connection's properties or credential changed outside the secret boundary"
            )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _check([*session.new, *session.dirty])
