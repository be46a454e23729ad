"""Serving the console: the built page and its assets, the offline API docs, and the wiring.

The page is the same for every console path (the browser routes); private data only ever
comes from the API, and every HTML answer carries a strict Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles

from dcaas.console import endpoints
from dcaas.console.oidc import OidcClient
from dcaas.console.pages import SECURITY_HEADERS
from dcaas.console.schemas import SignIn
from dcaas.console.service import COOKIE, SECURE_COOKIE
from dcaas.console.state import ConsoleState
from dcaas.errors import Code, NotFound
from dcaas.unit_of_work import NO_UNIT_OF_WORK, UnitOfWorkRoute

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dcaas.config import Settings

STATIC = Path(__file__).resolve().parent / "static"
DOCS_PATH = "/api/v1/docs"
_NOT_BUILT = (
    "the console is not built: run `make console` (npm ci && npm run build in console/), "
    "or install a dcaas wheel, which contains it"
)

# Pages and static files touch no database.
router = APIRouter(
    route_class=UnitOfWorkRoute, include_in_schema=False, dependencies=[NO_UNIT_OF_WORK]
)


def _index() -> FileResponse:
    index = STATIC / "index.html"
    if not index.is_file():
        raise NotFound(_NOT_BUILT, code=Code.HTTP_NOT_FOUND)
    return FileResponse(index, media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/")
@router.get("/sign-in")
@router.get("/connections")
@router.get("/connections/{rest:path}")
@router.get("/admin")
@router.get("/admin/{rest:path}")
async def console_page() -> FileResponse:
    """The page's own routes (the browser routes within them); everything else stays JSON."""
    return _index()


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    icon = STATIC / "assets" / "favicon.svg"
    if not icon.is_file():
        raise NotFound(_NOT_BUILT, code=Code.HTTP_NOT_FOUND)
    return FileResponse(icon, media_type="image/svg+xml")


@router.get("/docs")
async def docs_redirect() -> RedirectResponse:
    return RedirectResponse(DOCS_PATH, status_code=308)


@router.get(DOCS_PATH)
async def api_docs() -> HTMLResponse:
    """Swagger UI from the assets installed with dcaas: no CDN, no inline script."""
    if not (STATIC / "assets" / "swagger" / "swagger-ui-bundle.js").is_file():
        raise NotFound(_NOT_BUILT, code=Code.HTTP_NOT_FOUND)
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>dcaas API</title>"
        "<link rel='stylesheet' href='/assets/swagger/swagger-ui.css'>"
        "<link rel='stylesheet' href='/assets/landing.css'></head><body>"
        "<nav class='docs-nav'><a href='/'>dcaas console</a>"
        " · <a href='/api/v1/openapi.json'>openapi.json</a></nav>"
        "<main id='swagger-ui'></main>"
        "<script src='/assets/swagger/swagger-ui-bundle.js'></script>"
        "<script src='/assets/docs-init.js'></script></body></html>",
        headers=SECURITY_HEADERS,
    )


class SessionNoStore:
    """API answers to cookie-authenticated calls are private: never cached, varied by cookie."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        cookies = b"; ".join(v for k, v in scope["headers"] if k == b"cookie")
        if COOKIE.encode() not in cookies and SECURE_COOKIE.encode() not in cookies:
            await self.app(scope, receive, send)
            return

        async def private(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, private)


def document(doc: dict[str, Any]) -> None:
    """Declare how to authenticate (Swagger UI's Authorize): a bearer token or the session;
    and the sign-in body, which the endpoint parses itself."""
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["SignIn"] = SignIn.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components["securitySchemes"] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "A dcaas API key (dcaas_...) or a JWT from the configured issuer",
        },
        "cookieAuth": {
            "type": "apiKey",
            "in": "cookie",
            "name": COOKIE,
            "description": "The console's session (HttpOnly; state-changing calls also need "
            "the X-CSRF-Token header from GET /api/v1/console/session)",
        },
    }
    doc["security"] = [{"bearerAuth": []}, {"cookieAuth": []}]
    callback = doc.get("paths", {}).get("/api/v1/oauth/callback", {}).get("get")
    if callback is not None:
        callback["security"] = []  # the provider's redirect: the state identifies the request


def install(app: FastAPI, settings: Settings) -> None:
    """Add the console's session endpoints, pages and assets to the app."""
    app.state.console = ConsoleState(oidc=OidcClient(settings))
    # Straight into the app's route list, as create_app adds the API's (no router wrapper).
    app.router.routes.extend(endpoints.router.routes)
    app.mount("/assets", StaticFiles(directory=STATIC / "assets", check_dir=False), name="assets")
    app.router.routes.extend(router.routes)
    app.add_middleware(SessionNoStore)
