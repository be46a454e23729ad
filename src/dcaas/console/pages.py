"""Small HTML pages for a browser at the end of a redirect (OAuth callback, sign-on errors).

No inline script or style: the strict Content-Security-Policy of the console applies.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from fastapi.responses import HTMLResponse

if TYPE_CHECKING:
    from fastapi import Request

    from dcaas.errors import DcaasError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
# Paths a browser lands on after a redirect from elsewhere: errors there are pages, not JSON.
BROWSER_LANDINGS = frozenset({"/api/v1/oauth/callback", "/api/v1/console/oidc/callback"})


def wants_page(request: Request) -> bool:
    """A browser navigating to a landing path (it asks for HTML) gets a page for an error."""
    return (
        request.method == "GET"
        and request.url.path in BROWSER_LANDINGS
        and "text/html" in request.headers.get("accept", "")
    )


def page(
    title: str, body: str, *, status: int = 200, data: dict[str, str] | None = None
) -> HTMLResponse:
    """A page in the console's look; ``data`` goes to ``data-*`` attributes for the page script."""
    attributes = "".join(
        f' data-{html.escape(k)}="{html.escape(v)}"' for k, v in (data or {}).items()
    )
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · dcaas</title>"
        "<link rel='stylesheet' href='/assets/landing.css'>"
        "<script src='/assets/landing.js' defer></script></head>"
        f"<body><main id='landing'{attributes}>{body}"
        "<p><a href='/'>Open the dcaas console</a></p></main></body></html>",
        status_code=status,
        headers=SECURITY_HEADERS,
    )


def error_page(error: DcaasError) -> HTMLResponse:
    """The error envelope's title and detail, for a person."""
    body = (
        f"<h1>{html.escape(error.title)}</h1><p>{html.escape(error.detail)}</p>"
        f"<p class='code'>Error code <code>{html.escape(str(error.code))}</code></p>"
    )
    data = {"status": "failed", "code": str(error.code), "detail": error.detail}
    return page(error.title.rstrip("."), body, status=error.status, data=data)


def callback_page(*, status: str, connection_id: str, name: str, detail: str) -> HTMLResponse:
    """The OAuth callback finished; the page script tells the console that opened this window."""
    body = (
        "<h1>Authorization complete</h1>"
        f"<p>{html.escape(detail)}</p>"
        f"<p>Connection id: <code>{html.escape(connection_id)}</code></p>"
    )
    data = {"status": status, "connection": connection_id, "name": name}
    return page("Authorized", body, data=data)
