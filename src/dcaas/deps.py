"""Request-scoped dependencies: the unit of work, the caller, the JSON body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dcaas.auth.cache import PrincipalCache
from dcaas.auth.principal import Principal
from dcaas.auth.service import authenticate
from dcaas.auth.tokens import JwtVerifier
from dcaas.config import Settings
from dcaas.console.auth import cookie_principal
from dcaas.errors import BadRequest, Code, UnsupportedMediaType
from dcaas.kit.crypto import Envelope
from dcaas.kit.db import transaction
from dcaas.kit.text import is_storable_text
from dcaas.kit.validation import validation_failed
from dcaas.ratelimit import RateLimiter, enforce
from dcaas.ratelimit.auth_failures import authenticate_throttled

M = TypeVar("M", bound=BaseModel)


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    envelope: Envelope
    verifier: JwtVerifier
    rate_limiter: RateLimiter
    auth_cache: PrincipalCache = field(default_factory=lambda: PrincipalCache(0))


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.dcaas
    return state


async def app_state(request: Request) -> AppState:
    """The app's state (async: FastAPI would run a plain function in a worker thread)."""
    return _state(request)


_READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    writes = request.method not in _READ_ONLY
    async with transaction(_state(request).sessions, writes=writes) as s:
        yield s


# Commits after the route returns; kit.holding.HoldAnswer keeps the answer until then.
Session = Annotated[AsyncSession, Depends(session)]


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For a GET that writes (the OAuth callback): a writing unit of work whatever the method."""
    async with transaction(_state(request).sessions, writes=True) as s:
        yield s


WriteSession = Annotated[AsyncSession, Depends(write_session)]


async def principal(request: Request, db: Session) -> Principal:
    state = _state(request)
    header = request.headers.get("authorization")

    async def caller_of_request() -> Principal:
        # A console session cookie, else the bearer key or token (the header wins over a cookie).
        by_cookie = await cookie_principal(db, request, state.settings)
        return by_cookie or await authenticate(db, state.verifier, header, state.auth_cache)

    caller = await authenticate_throttled(
        state.rate_limiter,
        request.client.host if request.client else "-",
        caller_of_request,
    )
    request.state.principal = caller
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
