"""The HTTP side of Idempotency-Key: the dependency POST routes declare, the middleware that
captures their answers, the replay of a stored answer, and the OpenAPI notes.

A route opts in with ``dependencies=[IDEMPOTENT]``. Only answers of requests that succeeded
are stored: a request that failed changed nothing and may simply run again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator  # noqa: TC003 - FastAPI reads the annotation
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response

from dcaas.deps import Caller, Session, State  # noqa: TC001 - FastAPI resolves these at runtime
from dcaas.errors import BadRequest, Code
from dcaas.idempotency.service import Claim, IdempotencyService, StoredResponse, fingerprint

log = logging.getLogger("dcaas.idempotency")
SCOPE_KEY = "dcaas.idempotency"
HEADER = "Idempotency-Key"
# What a replay repeats: the answer's meaning, not per-request details (ids, rate limits).
_REPLAYED = frozenset({"content-type", "location", "etag", "deprecation", "link"})


class Capture:
    """The answer as it goes out: status, headers and body."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()
        self.complete = False

    def stored(self) -> StoredResponse | None:
        if self.status is None or not self.complete:
            return None
        return StoredResponse(self.status, self.headers, bytes(self.body))


class CaptureAnswers:
    """Pure ASGI: records the answer of each POST that carries an Idempotency-Key."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        capture = Capture()
        scope[SCOPE_KEY] = capture

        async def capturing(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                capture.status = message["status"]
                capture.headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() in _REPLAYED
                ]
            elif message["type"] == "http.response.body":
                capture.body.extend(message.get("body", b""))
                capture.complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capturing)


class Replay(Exception):
    """Not an error: the way out of a route when a stored answer is the answer."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replaying a stored answer")
        self.stored = stored


async def _replay(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)  # noqa: S101 - registered for Replay only
    headers = dict(exc.stored.headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(exc.stored.body, status_code=exc.stored.status, headers=headers)


def _valid(key: str) -> str:
    if not key or not key.isascii() or not key.isprintable():
        raise BadRequest(
            f"{HEADER} must be 1 to 255 printable ASCII characters",
            code=Code.IDEMPOTENCY_KEY_INVALID,
            meta={"header": HEADER},
        )
    return key


async def idempotent(
    request: Request,
    db: Session,
    caller: Caller,
    state: State,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            max_length=255,
            description="Any unique string (a UUID): a retry with the same key and body gets the "
            "first answer instead of running again; kept for 24 hours",
        ),
    ] = None,
) -> AsyncIterator[None]:
    """Claim the key before the route runs; store the route's answer with its work."""
    if idempotency_key is None:
        yield
        return
    ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
    service = IdempotencyService(db, caller, state.envelope, ttl)
    print_ = fingerprint(request.method, request.url.path, request.url.query, await request.body())
    claimed = await service.claim(_valid(idempotency_key), print_)
    if isinstance(claimed, StoredResponse):
        raise Replay(claimed)
    try:
        yield
    except BaseException:
        await _release(service, claimed)
        raise
    await _store(service, claimed, request.scope.get(SCOPE_KEY))


async def _release(service: IdempotencyService, claim: Claim) -> None:
    """Free the key of a failed request; if even that fails, the claim goes stale in time."""
    try:
        await service.release(claim)
    except Exception:
        log.exception("could not release an Idempotency-Key claim; it frees itself when stale")


async def _store(service: IdempotencyService, claim: Claim, capture: Capture | None) -> None:
    answer = capture.stored() if capture is not None else None
    if answer is None or answer.status >= 400:  # noqa: PLR2004 - only successes are kept
        await service.forget(claim)
        return
    await service.complete(claim, answer)


IDEMPOTENT = Depends(idempotent)


def install(app: FastAPI) -> None:
    app.add_middleware(CaptureAnswers)
    app.add_exception_handler(Replay, _replay)


def document(doc: dict[str, Any]) -> None:
    """Add the answers Idempotency-Key and If-Match bring to the operations that take them."""
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for path in doc.get("paths", {}).values():
        for op in path.values():
            names = {p.get("name") for p in op.get("parameters", [])}
            responses = op.setdefault("responses", {})
            if HEADER in names:
                responses.setdefault("409", {"description": "Error", "content": ref})
                responses.setdefault(
                    "422", {"description": f"{HEADER} reused for another request", "content": ref}
                )
            if "If-Match" in names:
                responses.setdefault(
                    "412", {"description": "If-Match names an old version", "content": ref}
                )
