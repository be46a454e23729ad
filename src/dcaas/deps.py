"""Request-scoped dependencies: the unit of work (see dcaas.unit_of_work), the caller, the body.

Routes declare their unit of work with ``Read``, ``Write`` or ``CallsOut`` (or
``dependencies=[NO_UNIT_OF_WORK]``); ``Caller`` authenticates without the request's unit of
work: from the in-process cache, or in a short read of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dcaas.audit.auth_failures import FailureThrottle, record_failure
from dcaas.audit.service import CLIENT_KEY
from dcaas.auth.cache import PrincipalCache
from dcaas.auth.principal import Principal
from dcaas.auth.service import authenticate
from dcaas.auth.tokens import JwtVerifier
from dcaas.config import Settings
from dcaas.console.auth import cookie_principal, session_token
from dcaas.errors import BadRequest, Code, Unauthorized, UnsupportedMediaType
from dcaas.kit.crypto import Envelope
from dcaas.kit.db import Store
from dcaas.kit.text import is_storable_text
from dcaas.kit.validation import validation_failed
from dcaas.ratelimit import RateLimiter, enforce
from dcaas.ratelimit.auth_failures import authenticate_throttled
from dcaas.unit_of_work import NO_UNIT_OF_WORK, CallsOut, Read, Write

__all__ = [
    "NO_UNIT_OF_WORK",
    "AppState",
    "Body",
    "Caller",
    "CallsOut",
    "Read",
    "State",
    "Write",
    "json_body",
    "parse",
]

M = TypeVar("M", bound=BaseModel)


@dataclass
class AppState:
    settings: Settings
    store: Store
    envelope: Envelope
    verifier: JwtVerifier
    rate_limiter: RateLimiter
    auth_cache: PrincipalCache = field(default_factory=lambda: PrincipalCache(0))
    auth_failures: FailureThrottle = field(default_factory=FailureThrottle)

    @property
    def engine(self) -> AsyncEngine:
        """The writing engine (disposing of it disposes of the reading one too)."""
        return self.store.writer

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """Plain sessions on the writing engine, for commands and tests."""
        return self.store.sessions


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.dcaas
    return state


async def app_state(request: Request) -> AppState:
    """The app's state (async: FastAPI would run a plain function in a worker thread)."""
    return _state(request)


async def principal(request: Request) -> Principal:
    state = _state(request)
    header = request.headers.get("authorization")

    async def caller_of_request() -> Principal:
        # A console session cookie (only when no Authorization header is sent), else the
        # bearer key or token; each in a short read of its own.
        if session_token(request) is not None:
            async with state.store.read() as db:
                return await cookie_principal(db, request, state.settings)
        return await authenticate(state.store, state.verifier, header, state.auth_cache)

    address = request.client.host if request.client else "-"
    scope_state = request.scope.setdefault("state", {})
    scope_state[CLIENT_KEY] = (address, request.headers.get("user-agent"))  # for audit events
    try:
        caller = await authenticate_throttled(state.rate_limiter, address, caller_of_request)
    except Unauthorized as exc:
        scheme = "bearer" if header else "cookie" if session_token(request) else "none"
        await record_failure(
            state.store, state.auth_failures, address, code=str(exc.code), scheme=scheme
        )
        raise
    scope_state["principal"] = caller  # for the log context and the audit trail
    await enforce(state.rate_limiter, request.scope, request.method, caller)
    return caller


Caller = Annotated[Principal, Depends(principal)]
State = Annotated[AppState, Depends(app_state)]


async def json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type.lower():
        raise UnsupportedMediaType(f"send the body as application/json, not {content_type}")
    raw = await request.body()
    if not raw.strip():
        raise BadRequest(
            "the request body is empty; send a JSON document",
            code=Code.INVALID_JSON,
            meta={"field": "body"},
        )
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"the body is not valid JSON: {exc}", code=Code.INVALID_JSON, meta={"field": "body"}
        ) from None
    _refuse_unusable(data)
    return data


MAX_JSON_DEPTH = 64


def _too_deep() -> BadRequest:
    return BadRequest(
        f"the body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep",
        code=Code.JSON_TOO_DEEP,
        meta={"field": "body", "maxDepth": MAX_JSON_DEPTH},
    )


def _refuse_unusable(data: Any) -> None:
    """Refuse a document deeper than :data:`MAX_JSON_DEPTH` (validation and the stores
    recurse), or holding text no store keeps: NUL (PostgreSQL) or a lone UTF-16 surrogate
    (not UTF-8 at all), refused for every store alike. Walks without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not is_storable_text(value):
                raise BadRequest(
                    "the body contains a NUL character (U+0000) or a lone surrogate "
                    "(\\ud800-\\udfff), which no store keeps",
                    code=Code.INVALID_JSON,
                    meta={"field": "body"},
                )
            continue
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


Body = Annotated[Any, Depends(json_body)]


def parse(model: type[M], data: Any) -> M:
    """Validate a body against a model, turning pydantic's errors into our envelope."""
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", meta={"field": "body"})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc.errors(include_url=False, include_input=False)) from None
