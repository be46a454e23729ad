"""The outermost layer: request id, log context, the access line and the request metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders

from dcaas.errors import InternalError, envelope
from dcaas.observability.context import REQUEST_ID_HEADER, accept_request_id, request_context
from dcaas.observability.metrics import UNMATCHED_ROUTE, record_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Send], Awaitable[None]]

access_log = logging.getLogger("dcaas.access")
log = logging.getLogger(__name__)
# Probes and scrapes arrive every few seconds; their access lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})


class RequestObserver:
    """Wraps the whole app, Starlette's error layer included, so that a 500 also carries the
    request id, is counted and gets its access line.

    Starlette's error layer re-raises an unexpected exception after the app's handler has
    logged it and answered; it stops here rather than being logged again by the server,
    without the request's context.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with request_context(request_id, scope.setdefault("state", {})):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                if status is None:  # nothing answered: the error layer's handler failed
                    log.exception("unhandled error")
                    answer = envelope(InternalError("an unexpected error occurred"))
                    await JSONResponse(answer, status_code=500)(scope, receive, send_with_id)
            finally:
                self._observe(scope, status or 500, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_template(scope)
        record_request(scope["method"], route, status, seconds)
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        access_log.log(
            level,
            "%s %s %s %.1fms",
            scope["method"],
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "durationMs": round(seconds * 1000, 1),
            },
        )


def _route_template(scope: Scope) -> str:
    """The matched route's path template (routers carry their prefix, so it is the full one).

    Requests answered before routing chose a route (unknown paths, and refusals by outer
    layers: the body limit, a rate limiter) share one label; their status tells them apart.
    """
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE
