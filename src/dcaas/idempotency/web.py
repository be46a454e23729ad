"""The HTTP side of Idempotency-Key: the dependency POST routes declare, the keeper that stores
their answers with their unit of work, the replay of a stored answer, and the OpenAPI notes.

A route opts in with ``dependencies=[IDEMPOTENT]`` (its unit of work must write). Only
answers of requests that succeeded are stored: a request that failed changed nothing and may
simply run again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import Response

from dcaas.deps import Caller, State  # noqa: TC001 - FastAPI resolves these at runtime
from dcaas.errors import BadRequest, Code
from dcaas.idempotency.service import Claim, IdempotencyService, StoredResponse, fingerprint
from dcaas.unit_of_work import current

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("dcaas.idempotency")
HEADER = "Idempotency-Key"
# What a replay repeats: the answer's meaning, not per-request details (ids, rate limits).
_REPLAYED = frozenset({"content-type", "location", "etag", "deprecation", "link"})


def stored_answer(response: Response) -> StoredResponse | None:
    """What a replay repeats of an answer: status, the headers that carry meaning, the body."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):  # a streamed answer is not kept
        return None
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in response.raw_headers
        if k.decode("latin-1").lower() in _REPLAYED
    ]
    return StoredResponse(response.status_code, headers, body)


class _Keeper:
    """Stores the answer with the unit of work's transaction, or frees the key on failure."""

    def __init__(self, service: IdempotencyService, claim: Claim) -> None:
        self.service = service
        self.claim = claim

    async def keep(self, session: AsyncSession, response: Response) -> None:
        answer = stored_answer(response)
        if answer is None or answer.status >= 400:  # noqa: PLR2004 - only successes are kept
            await self.service.forget(session, self.claim)
            return
        await self.service.complete(session, self.claim, answer)

    async def drop(self) -> None:
        """Free the key of a failed request; if even that fails, the claim goes stale in time."""
        try:
            await self.service.release(self.claim)
        except Exception:
            log.exception("could not release an Idempotency-Key claim; it frees itself when stale")


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
) -> None:
    """Claim the key before the route runs; its unit of work stores the answer with its work."""
    if idempotency_key is None:
        return
    ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
    service = IdempotencyService(state.store, caller, state.envelope, ttl)
    print_ = fingerprint(request.method, request.url.path, request.url.query, await request.body())
    claimed = await service.claim(_valid(idempotency_key), print_)
    if isinstance(claimed, StoredResponse):
        raise Replay(claimed)
    current(request).keep_answer(_Keeper(service, claimed))


IDEMPOTENT = Depends(idempotent)


def install(app: FastAPI) -> None:
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
