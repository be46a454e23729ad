"""create_app(settings): wiring, lifespan, middleware and the one error handler."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.exceptions import ExceptionMiddleware

from dcaas import __version__, idempotency, observability
from dcaas.api_key import schemas as api_key_schemas
from dcaas.api_key.endpoints import router as api_keys
from dcaas.audit.endpoints import router as audits
from dcaas.audit.retention import RetentionJob
from dcaas.audit.service import CONFIG_KEY as AUDIT_CONFIG
from dcaas.audit.service import AuditConfig
from dcaas.auth.cache import PrincipalCache
from dcaas.auth.tokens import JwtVerifier
from dcaas.config import ConfigurationError, Settings
from dcaas.connection import schemas as connection_schemas
from dcaas.connection.endpoints import router as connections
from dcaas.connection.legacy_endpoints import router as legacy
from dcaas.connection.probe.endpoints import router as probes
from dcaas.console import web as console
from dcaas.console.pages import error_page, wants_page
from dcaas.credential import schemas as credential_schemas
from dcaas.credential.endpoints import router as credentials
from dcaas.datasource import schemas as datasource_schemas
from dcaas.datasource.endpoints import router as data_sources
from dcaas.deps import NO_UNIT_OF_WORK, AppState
from dcaas.engine import schemas as engine_schemas
from dcaas.engine.endpoints import router as gateways
from dcaas.errors import (
    Code,
    DcaasError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    envelope,
)
from dcaas.keys.providers import build_provider
from dcaas.kit.crypto import Envelope, KeyProviderError
from dcaas.kit.db import BEFORE_COMMIT, Store
from dcaas.kit.hosts import install_host_check
from dcaas.kit.jsonpatch import PatchOp
from dcaas.kit.schemas import ErrorEnvelope
from dcaas.kit.validation import validation_failed
from dcaas.namespaces import add_connectivity_aliases
from dcaas.oauth.endpoints import router as oauth
from dcaas.pipeline import Pipeline
from dcaas.ratelimit import RateLimiter
from dcaas.space import schemas as space_schemas
from dcaas.space.endpoints import router as spaces
from dcaas.tenant import schemas as user_schemas
from dcaas.tenant.endpoints import router as users
from dcaas.unit_of_work import UnitOfWorkRoute
from dcaas.webhook import schemas as webhook_schemas
from dcaas.webhook.endpoints import router as webhooks
from dcaas.webhook.lifespan import delivering
from dcaas.webhook.outbox import publish as publish_events

log = logging.getLogger("dcaas")
Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


def error_response(error: DcaasError) -> JSONResponse:
    return JSONResponse(envelope(error), status_code=error.status, headers=error.headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DcaasError)
    async def on_dcaas_error(request: Request, exc: DcaasError) -> Response:
        return error_page(exc) if wants_page(request) else error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        error = validation_failed(exc.errors())
        return error_page(error) if wants_page(request) else error_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:  # noqa: PLR2004
            return error_response(MethodNotAllowed("this method is not allowed on this path"))
        if exc.status_code == 404:  # noqa: PLR2004
            return error_response(NotFound("no such endpoint", code=Code.HTTP_NOT_FOUND))
        error = DcaasError(str(exc.detail), code=Code.INTERNAL, title="HTTP error")
        error.status = exc.status_code  # type: ignore[misc]
        return error_response(error)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _unexpected(request, exc)


async def _render_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """What the pipeline answers for an exception nobody handled (logged once, here)."""
    return _unexpected(request, exc)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(InternalError("an unexpected error occurred; it has been logged"))


def _install_outage_handlers(app: FastAPI) -> None:
    """What the service depends on (the database, the key provider) failing: 503, not 500."""

    @app.exception_handler(KeyProviderError)
    async def on_key_provider(request: Request, exc: KeyProviderError) -> JSONResponse:
        log.error("key provider unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            ServiceUnavailable(
                "the key provider is unavailable, so secrets cannot be sealed or opened;"
                " retry later"
            )
        )

    @app.exception_handler(PoolTimeout)
    async def on_pool_timeout(request: Request, _: PoolTimeout) -> JSONResponse:
        # Every connection of a pool stayed busy for the pool's timeout (on SQLite: writers
        # queue for the one writing connection).
        log.warning("no database connection came free on %s %s", request.method, request.url.path)
        return error_response(
            ServiceUnavailable(
                "the database is busy with other requests; retry shortly",
                code=Code.STORE_BUSY,
                headers={"Retry-After": "1"},
            )
        )

    @app.exception_handler(DBAPIError)
    async def on_store_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:  # the database restarted or failed over: the pool
            log.warning(
                "lost the database connection on %s %s; the pool reconnects",
                request.method,
                request.url.path,
            )
            return error_response(
                ServiceUnavailable(
                    "the connection to the database was lost; retry", headers={"Retry-After": "1"}
                )
            )
        if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
            log.warning("SQLite stayed locked on %s %s", request.method, request.url.path)
            return error_response(
                ServiceUnavailable(
                    "the database is busy with other writes; retry shortly",
                    code=Code.STORE_BUSY,
                    headers={"Retry-After": "1"},
                )
            )
        return _unexpected(request, exc)


def build_state(settings: Settings) -> AppState:
    provider = build_provider(settings)
    return AppState(
        settings=settings,
        store=Store.open(
            settings.async_database_url,
            echo=settings.sql_echo,
            info={
                AUDIT_CONFIG: AuditConfig(enabled=settings.audit, log=settings.audit_log),
                # webhook deliveries of the transaction's events join it before it commits
                BEFORE_COMMIT: (publish_events,),
            },
        ),
        envelope=Envelope(provider, cache_seconds=settings.data_key_cache_seconds),
        verifier=JwtVerifier(settings),
        auth_cache=PrincipalCache(settings.auth_cache_seconds),
        rate_limiter=RateLimiter(settings),
    )


_BODY_MODELS: list[Any] = [
    connection_schemas.ConnectionCreate,
    connection_schemas.DcaasConnectionCreate,
    connection_schemas.ConnectionUpdate,
    connection_schemas.ActionDeleteRequest,
    connection_schemas.ActionUpdateRequest,
    connection_schemas.ActionDuplicateRequest,
    credential_schemas.CredentialCreate,
    credential_schemas.ActionFilterOrphanRequest,
    datasource_schemas.DataSourceSettingsRequest,
    datasource_schemas.QriRequest,
    space_schemas.SpaceCreate,
    space_schemas.SpaceUpdate,
    space_schemas.AssignmentCreate,
    api_key_schemas.ApiKeyCreate,
    user_schemas.UserFilter,
    engine_schemas.PostEndpointRequest,
    engine_schemas.EndpointCreate,
    engine_schemas.GatewayCreate,
    webhook_schemas.WebhookIn,
]


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title="dcaas",
            version=__version__,
            routes=app.routes,
            description=(
                "Qlik-compatible data-connections API. Every /api/v1/data-connections, "
                "/api/v1/data-credentials and /api/v1/data-sources operation is also served "
                "under /api/connectivity/ (Qlik's current namespace), documented once here."
            ),
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in _BODY_MODELS:
            schema = model.model_json_schema(
                ref_template="#/components/schemas/{model}", by_alias=False
            )
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        schemas["PatchRequest"] = TypeAdapter(list[PatchOp]).json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas["PatchRequest"]["minItems"] = 1
        schemas.update(schemas["PatchRequest"].pop("$defs", {}))
        schemas["ErrorEnvelope"] = ErrorEnvelope.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas.update(schemas["ErrorEnvelope"].pop("$defs", {}))
        _document_errors(doc)
        idempotency.document(doc)
        _document_data_name(doc)
        console.document(doc)
        app.openapi_schema = doc
        return doc

    return build


def _document_data_name(doc: dict[str, Any]) -> None:
    """GET /data-connections?dataName=x renames ``data`` to ``x``: document both shapes."""
    ok = doc["paths"]["/api/v1/data-connections"]["get"]["responses"]["200"]
    content = ok["content"]["application/json"]
    ref = "#/components/schemas/"
    renamed = {
        "type": "object",
        "required": ["meta", "links"],
        "description": "Connections with `data` renamed to the dataName parameter's value",
        "properties": {"meta": {"$ref": ref + "Meta"}, "links": {"$ref": ref + "TopLevelLinks"}},
        "additionalProperties": {"type": "array", "items": {"$ref": ref + "ConnectionGet"}},
    }
    content["schema"] = {"anyOf": [content["schema"], renamed]}


def _document_errors(doc: dict[str, Any]) -> None:
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for path in doc["paths"].values():
        for op in path.values():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            for status in ("400", "401", "403", "404", "409", "413", "415", "429", "500", "503"):
                responses.setdefault(status, {"description": "Error", "content": ref})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if problems := settings.serving_problems():
        raise ConfigurationError("; ".join(problems))
    state = build_state(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # What is loaded by now (the libraries, the app) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise stall every request for as
        # long as they take to walk it.
        gc.freeze()
        retention = RetentionJob(
            state.store, settings.audit_retention_days, settings.audit_retention_interval
        )
        retention.start()
        try:
            async with delivering(state.store, state.envelope, settings):
                yield
        finally:
            await retention.stop()
            await state.store.dispose()

    app = FastAPI(
        title="dcaas",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # dcaas.console serves Swagger UI from installed assets
        redoc_url=None,
        # dcaas exports its own metrics and logs; FastAPI's OpenTelemetry hooks would look up
        # the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.dcaas = state
    app.router.route_class = UnitOfWorkRoute  # routes added on the app declare theirs too
    _install_error_handlers(app)
    _install_outage_handlers(app)
    # The routers' routes go straight into the app's list (each already carries its prefix):
    # FastAPI's include_router matches through a wrapper per router on every request.
    # Connections come first, the hottest routes; no later path matches one of theirs.
    routers = (connections, legacy, probes, oauth, data_sources, credentials, spaces, api_keys)
    for router in (*routers, gateways, webhooks, users, audits):
        app.router.routes.extend(router.routes)
    console.install(app, settings)

    @app.get("/health/live", include_in_schema=False, dependencies=[NO_UNIT_OF_WORK])
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    app.openapi = _openapi(app)  # type: ignore[method-assign]
    idempotency.install(app)
    install_host_check(app, settings)
    observability.install(app, state)
    add_connectivity_aliases(app)  # last: every /api/v1/data-* route is in the table by now
    app.build_middleware_stack = _middleware_stack(app, settings)  # type: ignore[method-assign]
    return app


def _middleware_stack(app: FastAPI, settings: Settings) -> Callable[[], ASGIApp]:
    """The pipeline outside everything (see dcaas.pipeline), then any middleware added with
    ``add_middleware``, Starlette's exception handlers and FastAPI's per-request exit stack.

    FastAPI's own stack would add two more layers (its 500 layer, which the pipeline replaces,
    and an exception telemetry layer).
    """

    def build() -> ASGIApp:
        handlers = {k: v for k, v in app.exception_handlers.items() if k not in (500, Exception)}
        inner: Any = ExceptionMiddleware(
            AsyncExitStackMiddleware(app.router), handlers=handlers, debug=app.debug
        )
        for cls, args, kwargs in reversed(app.user_middleware):
            inner = cls(inner, *args, **kwargs)
        return Pipeline(
            inner,
            max_body_bytes=settings.max_body_bytes,
            unexpected=_render_unexpected,
        )

    return build
