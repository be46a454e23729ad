"""/api/v1/console: the console's session (sign in, who am I, sign out, single sign-on).

Data never comes from here: the console reads and writes through the public API, which
accepts the session cookie as it accepts a bearer token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from dcaas import __version__
from dcaas.console.oidc import BINDER_COOKIE, BINDER_SECONDS, CALLBACK_PATH
from dcaas.console.schemas import ConsoleConfig, Me, SignIn, SingleSignOn
from dcaas.console.service import (
    COOKIE,
    CSRF_HEADER,
    SECURE_COOKIE,
    Current,
    SessionService,
    SignedIn,
    check_csrf,
    csrf_token,
)
from dcaas.console.state import console_state, origin_of, same_origin_only
from dcaas.deps import NO_UNIT_OF_WORK, Body, CallsOut, Read, State, Write, parse
from dcaas.errors import Code, Unauthorized
from dcaas.kit.http import json_body_doc
from dcaas.kit.time import iso, utcnow
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/console", tags=["console"])
_PUBLIC: dict[str, Any] = {"security": []}
_NO_STORE = {"Cache-Control": "no-store"}


def _secure(request: Request) -> bool:
    return origin_of(request).startswith("https://")


def _token(request: Request) -> str:
    token = request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE)
    if token is None:
        raise Unauthorized("not signed in to the console", code=Code.SESSION_ENDED)
    return token


def _me(current: Current, token: str) -> Me:
    return Me(
        userId=current.user.id,
        subject=current.user.subject,
        tenantId=current.tenant.id,
        tenantName=current.tenant.name,
        isAdmin=current.user.is_admin,
        via=current.record.via,
        expiresAt=iso(current.record.expires_at),
        csrfToken=csrf_token(token),
    )


def _set_cookie(request: Request, response: Response, signed: SignedIn) -> None:
    secure = _secure(request)
    seconds = max(1, int((signed.record.expires_at - utcnow()).total_seconds()))
    response.set_cookie(
        SECURE_COOKIE if secure else COOKIE,
        signed.token,
        max_age=seconds,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def _clear_cookies(response: Response) -> None:
    for name in (COOKIE, SECURE_COOKIE):
        response.delete_cookie(name, path="/", secure=name == SECURE_COOKIE, httponly=True)


@router.get(
    "/config",
    response_model=ConsoleConfig,
    openapi_extra=_PUBLIC,
    dependencies=[NO_UNIT_OF_WORK],
)
async def config(state: State, request: Request) -> Any:
    """What the sign-in page offers (single sign-on when an OpenID provider is configured)."""
    oidc = console_state(request).oidc
    return ConsoleConfig(
        version=__version__,
        singleSignOn=SingleSignOn(enabled=oidc.enabled, name=state.settings.oidc_name),
    )


@router.post(
    "/session",
    status_code=201,
    response_model=Me,
    openapi_extra=_PUBLIC | json_body_doc(SignIn),
)
async def sign_in(request: Request, data: Body, db: Write, state: State) -> Any:
    """Exchange an API key for a console session (an HttpOnly cookie); the key is not kept."""
    same_origin_only(request)
    body = parse(SignIn, data)
    service = SessionService(db, state.settings.console_session_hours)
    signed = await service.sign_in_with_key(body.apiKey)
    current = await service.current(signed.token)
    response = Response(
        _me(current, signed.token).model_dump_json(),
        status_code=201,
        media_type="application/json",
        headers=_NO_STORE,
    )
    _set_cookie(request, response, signed)
    return response


@router.get("/session", response_model=Me, openapi_extra={"security": [{"cookieAuth": []}]})
async def who(request: Request, db: Read, state: State) -> Any:
    """The signed-in user and the session's CSRF token (cookie sessions only)."""
    token = _token(request)
    current = await SessionService(db, state.settings.console_session_hours).current(token)
    return Response(
        _me(current, token).model_dump_json(), media_type="application/json", headers=_NO_STORE
    )


@router.delete(
    "/session",
    status_code=204,
    response_class=Response,
    openapi_extra={"security": [{"cookieAuth": []}]},
)
async def sign_out(request: Request, db: Write, state: State) -> Response:
    """End the session on the server, and clear the cookie."""
    token = _token(request)
    check_csrf(request.method, token, request.headers.get(CSRF_HEADER))
    await SessionService(db, state.settings.console_session_hours).sign_out(token)
    response = Response(status_code=204, headers=_NO_STORE)
    _clear_cookies(response)
    return response


@router.get(
    "/oidc/login",
    status_code=302,
    response_class=RedirectResponse,
    openapi_extra=_PUBLIC,
    dependencies=[NO_UNIT_OF_WORK],  # the provider's discovery document: no database
)
async def oidc_login(request: Request) -> RedirectResponse:
    """Start single sign-on: to the identity provider, with PKCE, state and nonce."""
    oidc = console_state(request).oidc
    binder = oidc.new_binder()
    url = await oidc.authorization_url(binder, origin_of(request) + CALLBACK_PATH)
    response = RedirectResponse(url, status_code=302, headers=_NO_STORE)
    # Lax, not Strict: the provider's redirect back is a cross-site navigation.
    response.set_cookie(
        BINDER_COOKIE,
        binder,
        max_age=BINDER_SECONDS,
        path="/api/v1/console/oidc",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(
    "/oidc/callback", status_code=302, response_class=RedirectResponse, openapi_extra=_PUBLIC
)
async def oidc_callback(
    request: Request,
    unit: CallsOut,
    state: State,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state_: Annotated[str | None, Query(alias="state", max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> RedirectResponse:
    """Where the identity provider sends the browser back; signs in and opens the console.

    No transaction is open while the provider is called: the session is written afterwards.
    """
    if error or not code or not state_:
        reason = error if error and error.replace("_", "").isalnum() else "no code"
        raise Unauthorized(
            f"single sign-on failed: the identity provider answered {reason}",
            code=Code.OIDC_SIGN_IN_FAILED,
        )
    oidc = console_state(request).oidc
    redirect_uri = origin_of(request) + CALLBACK_PATH
    claims = await oidc.finish(request.cookies.get(BINDER_COOKIE), state_, code, redirect_uri)
    sessions = SessionService(unit.writing, state.settings.console_session_hours)
    signed = await sessions.sign_in_with_claims(claims)
    response = RedirectResponse("/", status_code=302, headers=_NO_STORE)
    response.delete_cookie(BINDER_COOKIE, path="/api/v1/console/oidc", httponly=True)
    _set_cookie(request, response, signed)
    return response
