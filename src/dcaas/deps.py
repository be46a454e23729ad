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

from dcaas.auth.cache import PrincipalCache
from dcaas.auth.principal import Principal
from dcaas.auth.service import authenticate
from dcaas.auth.tokens import JwtVerifier
from dcaas.config import Settings
from dcaas.errors import BadRequest, Code, UnsupportedMediaType
from dcaas.kit.crypto import Envelope
from dcaas.kit.db import Store
from dcaas.kit.validation import validation_failed
from dcaas.ratelimit import RateLimiter, enforce
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
    caller = await authenticate(
        state.store, state.verifier, request.headers.get("authorization"), state.auth_cache
    )
    request.scope.setdefault("state", {})["principal"] = caller  # for the log context
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
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(
            f"the body is not valid JSON: {exc}", code=Code.INVALID_JSON, meta={"field": "body"}
        ) from None
    if _has_nul(data):
        # PostgreSQL cannot store U+0000 in text; refuse it for every store alike.
        raise BadRequest(
            "the body contains a NUL character (U+0000)",
            code=Code.INVALID_JSON,
            meta={"field": "body"},
        )
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


Body = Annotated[Any, Depends(json_body)]


def parse(model: type[M], data: Any) -> M:
    """Validate a body against a model, turning pydantic's errors into our envelope."""
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", meta={"field": "body"})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc.errors(include_url=False, include_input=False)) from None
