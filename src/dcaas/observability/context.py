"""The request a log line belongs to: its id, and its tenant and user once authenticated.

The middleware opens a :class:`RequestContext` for each request in a ``contextvars`` variable,
so every log line written while the request runs (by any logger, in any module) carries it.
The caller is not copied in: the ``principal`` dependency stores it in the ASGI scope's
``state`` (``request.state.principal``), and the context reads it from there when a line is
written, so lines after authentication carry the tenant and user with no extra wiring.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

REQUEST_ID_HEADER = "X-Request-Id"
# Bounded length and charset: the id is echoed in a header and written to every log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass
class RequestContext:
    request_id: str
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def tenant_id(self) -> str | None:
        return _principal_attr(self.state, "tenant_id")

    @property
    def user_id(self) -> str | None:
        return _principal_attr(self.state, "user_id")

    def fields(self) -> dict[str, str]:
        """The log fields known so far: ``requestId``, then ``tenantId`` and ``userId``."""
        out = {"requestId": self.request_id}
        if (tenant := self.tenant_id) is not None:
            out["tenantId"] = tenant
        if (user := self.user_id) is not None:
            out["userId"] = user
        return out


def _principal_attr(state: dict[str, Any], name: str) -> str | None:
    value = getattr(state.get("principal"), name, None)
    return value if isinstance(value, str) else None


_current: ContextVar[RequestContext | None] = ContextVar("dcaas_request", default=None)


def current() -> RequestContext | None:
    """The request being served, or None outside a request."""
    return _current.get()


def accept_request_id(incoming: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is well formed, otherwise a fresh one."""
    if incoming is not None and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return os.urandom(16).hex()  # as uuid4().hex reads, without making a UUID


@contextmanager
def request_context(request_id: str, state: dict[str, Any]) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id, state)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
