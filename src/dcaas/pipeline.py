"""The one ASGI layer of dcaas: the work every request needs around the app, and no more.

For each HTTP request, outermost (Starlette's own error layer and every middleware inside):

1. the request id: the caller's well-formed ``X-Request-Id`` or a new one, sent back on the
   answer (errors included) and on every log line written while the request runs;
2. refusals before any work: a URL holding NUL (400, PostgreSQL cannot store it as text) and
   a body over ``DCAAS_MAX_BODY_BYTES`` (413), declared or found while the app reads it; the
   body is watched only when the request has one, and never buffered here;
3. the ``RateLimit-*`` headers of the quota the caller's authentication counted (any status);
4. when it ends: the request metrics and the access line (route template, status, duration);
   an exception nobody answered becomes a 500 in the error envelope, logged once with the
   request's context.

Committing before the answer leaves and keeping an Idempotency-Key answer with its work are
the route's unit of work (:mod:`dcaas.unit_of_work`), not a layer here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from starlette.responses import Response

from dcaas.errors import BadRequest, Code, DcaasError, PayloadTooLarge, envelope
from dcaas.observability.context import accept_request_id, request_context
from dcaas.observability.metrics import UNMATCHED_ROUTE, record_request
from dcaas.ratelimit.limiter import SCOPE_KEY as QUOTA_KEY
from dcaas.ratelimit.limiter import Quota

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]

access_log = logging.getLogger("dcaas.access")
log = logging.getLogger("dcaas.pipeline")
# Probes and scrapes arrive every few seconds; their access lines are DEBUG, not INFO.
QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})
_REQUEST_ID = b"x-request-id"
_CONTENT_LENGTH = b"content-length"
_CHUNKED = b"transfer-encoding"


class _TooLarge(Exception):
    pass


class Pipeline:
    """Pure ASGI; see the module docstring. ``unexpected`` renders a 500 (the app's handler
    for ``Exception``); ``max_body_bytes`` is the body limit."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, unexpected: ErrorHandler) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.unexpected = unexpected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        declared, has_body, incoming_id = _read_headers(scope["headers"])
        request_id = accept_request_id(incoming_id)
        raw_id = request_id.encode("latin-1")
        status = 0

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers)
                headers.append((_REQUEST_ID, raw_id))
                quota = scope.get(QUOTA_KEY)
                if isinstance(quota, Quota):
                    headers.extend(quota.raw_headers())
            await send(message)

        with request_context(request_id, scope.setdefault("state", {})):
            try:
                refusal = self._refusal(scope, declared)
                if refusal is not None:
                    await _error(refusal)(scope, receive, answer)
                elif has_body:
                    await self._limited(scope, receive, answer)
                else:
                    await self.app(scope, receive, answer)
            except Exception as exc:
                if status:  # the answer has started: nothing more can be sent
                    log.exception("error after the answer started")
                else:
                    response = await self.unexpected(Request(scope), exc)
                    await response(scope, receive, answer)
            finally:
                _observe(scope, status or 500, time.perf_counter() - started)

    def _refusal(self, scope: Scope, declared: int | None) -> DcaasError | None:
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            return BadRequest("the URL contains a NUL character (%00)", code=Code.INVALID_QUERY)
        if declared is not None and declared > self.max_body_bytes:
            return self._too_large()
        return None

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body exceeds {self.max_body_bytes} bytes")

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the body as the app reads it; past the limit, answer 413 instead."""
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if started:
                raise
            await _error(self._too_large())(scope, receive, send)


def _read_headers(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool, str | None]:
    """(declared Content-Length, whether a body comes, the incoming X-Request-Id)."""
    declared: int | None = None
    has_body = False
    request_id: str | None = None
    for name, value in headers:
        if name == _CONTENT_LENGTH:
            if value.isdigit():
                declared = int(value)
                has_body = declared > 0
            else:
                has_body = True
        elif name == _CHUNKED:
            has_body = True
        elif name == _REQUEST_ID:
            request_id = value.decode("latin-1")
    return declared, has_body, request_id


def _error(error: DcaasError) -> Response:
    from fastapi.responses import JSONResponse  # noqa: PLC0415 - only on refusals

    return JSONResponse(envelope(error), status_code=error.status, headers=error.headers)


def _observe(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None)
    # Requests answered before routing chose a route (unknown paths, refusals here and by the
    # rate limiter) share one label; their status tells them apart.
    template = route if isinstance(route, str) else UNMATCHED_ROUTE
    method = scope["method"]
    record_request(method, template, status, seconds)
    level = logging.DEBUG if template in QUIET_ROUTES else logging.INFO
    if access_log.isEnabledFor(level):
        millis = round(seconds * 1000, 1)
        access_log.log(
            level,
            "%s %s %s %.1fms",
            method,
            scope["path"],
            status,
            millis,
            extra={
                "method": method,
                "path": scope["path"],
                "route": template,
                "status": status,
                "durationMs": millis,
            },
        )
