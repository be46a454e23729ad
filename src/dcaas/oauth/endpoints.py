"""The OAuth callback (the provider redirects the browser here) and re-authorization URLs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dcaas.connection.schemas import AuthUrlResponse
from dcaas.console.pages import callback_page
from dcaas.deps import Caller, CallsOut, State, Write
from dcaas.kit.http import base_url
from dcaas.oauth.schemas import CallbackResponse
from dcaas.oauth.service import Completed, OAuthService, complete_callback
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["oauth"])
ByName = Annotated[str | None, Query(alias="type", pattern="^connectionname$")]
# The callback URL carries an authorization code: never cache it, never pass it on.
_NO_LEAK = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _answer(done: Completed) -> CallbackResponse:
    verb = "created" if done.status == "created" else "re-authorized"
    return CallbackResponse(
        status="created" if done.status == "created" else "re-authorized",
        qID=done.connection.id,
        qName=done.connection.name,
        detail=f"Authorization complete: data connection {done.connection.name!r} was {verb}. "
        "You can close this window.",
    )


@router.get(
    "/api/v1/oauth/callback",
    response_model=CallbackResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def oauth_callback(
    request: Request,
    *,
    unit: CallsOut,
    state: State,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state_: Annotated[str | None, Query(alias="state", max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> Any:
    """Where the provider sends the browser back: no bearer token, the state identifies the
    request. Answers an HTML page to browsers and JSON otherwise."""
    done = await complete_callback(
        unit, state.envelope, state.settings, state=state_, code=code, error=error
    )
    answer = _answer(done)
    if "text/html" in request.headers.get("accept", ""):
        done_page = callback_page(
            status=answer.status, connection_id=answer.qID, name=answer.qName, detail=answer.detail
        )
        done_page.headers.update(_NO_LEAK)
        return done_page
    return JSONResponse(answer.model_dump(), headers=_NO_LEAK)


@router.post(
    "/api/v1/data-connections/{qID}/actions/authorize",
    status_code=201,
    response_model=AuthUrlResponse,
    tags=["data-connections"],
)
async def authorize_connection(
    request: Request,
    qID: str,
    *,
    db: Write,
    caller: Caller,
    state: State,
    type: ByName = None,  # noqa: A002 - Qlik's name
) -> AuthUrlResponse:
    """A new authorization URL for an OAuth connection; the callback restores its tokens and
    its id stays the same."""
    service = OAuthService(db, caller, state.envelope, state.settings)
    url = await service.authorize_existing(
        qID, base_url(request, state.settings), by_name=type is not None
    )
    return AuthUrlResponse(authUrl=url)
