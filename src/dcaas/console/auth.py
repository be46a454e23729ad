"""The session cookie as a way to call the public API (used by ``dcaas.deps.principal``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.console.service import COOKIE, CSRF_HEADER, SECURE_COOKIE, SessionService, check_csrf
from dcaas.errors import Code, Unauthorized

if TYPE_CHECKING:
    from fastapi import Request
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.config import Settings


def session_token(request: Request) -> str | None:
    """The console session's token, unless the request authenticates with a bearer token."""
    if request.headers.get("authorization") is not None:
        return None  # API keys and JWTs win: they carry no ambient authority, so need no CSRF
    return request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE)


async def cookie_principal(db: AsyncSession, request: Request, settings: Settings) -> Principal:
    """The caller of a request made with the console's cookie (CSRF checked)."""
    token = session_token(request)
    if token is None:
        raise Unauthorized("sign in to the console first", code=Code.SESSION_ENDED)
    current = await SessionService(db, settings.console_session_hours).current(token)
    check_csrf(request.method, token, request.headers.get(CSRF_HEADER))
    return current.principal
