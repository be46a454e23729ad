"""What the console keeps per app, and request checks shared by its endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dcaas.errors import Code, Forbidden
from dcaas.kit.http import base_url

if TYPE_CHECKING:
    from fastapi import Request

    from dcaas.console.oidc import OidcClient


@dataclass
class ConsoleState:
    oidc: OidcClient


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def origin_of(request: Request) -> str:
    """The console's own base URL: DCAAS_PUBLIC_URL when set, else the request's."""
    return base_url(request, request.app.state.dcaas.settings)


def same_origin_only(request: Request) -> None:
    """Refuse a sign-in posted from another site (login CSRF), as browsers tell it."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("sign in from the console's own page", code=Code.CSRF_TOKEN_INVALID)
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    ours = urlsplit(origin_of(request))
    theirs = urlsplit(origin)
    if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
        raise Forbidden("sign in from the console's own page", code=Code.CSRF_TOKEN_INVALID)
