"""Plugging observability into an app: routes and readiness checks (the request id, access
line and request metrics are the pipeline's: see dcaas.pipeline)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from dcaas.observability.health import database_check, key_provider_check, ready_endpoint
from dcaas.observability.metrics import metrics_endpoint
from dcaas.unit_of_work import NO_UNIT_OF_WORK

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dcaas.config import Settings
    from dcaas.deps import AppState

log = logging.getLogger("dcaas.observability")
# Paths a rate limiter must leave alone: probes and scrapes.
EXEMPT_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


def install(app: FastAPI, state: AppState) -> None:
    """Add ``/health/ready`` and ``/metrics`` and the readiness checks."""
    settings = state.settings
    # Checks registered before this call are kept (and win over these defaults by name).
    app.state.health_checks = {
        "database": database_check(state.engine),
        "keyProvider": key_provider_check(state.envelope.provider),
        **getattr(app.state, "health_checks", {}),
    }
    app.add_api_route(
        "/health/ready",
        ready_endpoint(settings.health_timeout),
        methods=["GET"],
        include_in_schema=False,
        dependencies=[NO_UNIT_OF_WORK],  # the checks use the engines directly, not a unit
    )
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token is not None or settings.is_development:
        app.add_api_route(
            "/metrics",
            metrics_endpoint(token),
            methods=["GET"],
            include_in_schema=False,
            dependencies=[NO_UNIT_OF_WORK],
        )
    else:
        # Open metrics tell anyone the routes, tenants' traffic and failure classes.
        log.warning("GET /metrics is off: set DCAAS_METRICS_TOKEN to serve it to your scraper")


def log_format(settings: Settings) -> Literal["json", "text"]:
    """The configured format; otherwise text in development and JSON everywhere else."""
    if settings.log_format is not None:
        return settings.log_format
    return "text" if settings.env == "development" else "json"
