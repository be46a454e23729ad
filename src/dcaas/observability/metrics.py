"""Prometheus metrics: requests by route template, connector tests, rate-limit rejections.

Labels are bounded: routes are the matched route's template (``/api/v1/data-connections/{qID}``),
never the raw path, and ``unmatched`` for requests answered before routing (unknown paths,
413, rate-limit refusals); data sources come from the registry; statuses and failure
classes are small fixed sets.

With several worker processes (``dcaas serve --workers N``), set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory writable by all workers: ``prometheus_client`` then keeps the values in
files there and ``GET /metrics`` aggregates every worker's (``dcaas serve`` empties the
directory on start).
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from dcaas.errors import Unauthorized

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"

HTTP_REQUESTS = Counter(
    "dcaas_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "dcaas_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CONNECTOR_TESTS = Counter(
    "dcaas_connector_tests_total",
    "Connection tests run, by data source, outcome and failure class.",
    ["data_source", "status", "failure_class"],
)
RATE_LIMITED = Counter(
    "dcaas_rate_limited_total",
    "Requests refused by the rate limiter, by limit tier.",
    ["tier"],
)


_REQUEST_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    # Label sets are few (routes x methods x statuses): keep each one's children at hand.
    series = _REQUEST_SERIES.get((method, route, status))
    if series is None:
        labels = {"method": method, "route": route, "status": str(status)}
        series = (HTTP_REQUESTS.labels(**labels), HTTP_LATENCY.labels(**labels))
        _REQUEST_SERIES[method, route, status] = series
    series[0].inc()
    series[1].observe(seconds)


def record_connector_test(data_source_id: str, status: str, failure_class: str | None) -> None:
    """Count one connection test: ``status`` passed/failed, ``failure_class`` when failed."""
    CONNECTOR_TESTS.labels(
        data_source=data_source_id, status=status, failure_class=str(failure_class or "none")
    ).inc()


def record_rate_limited(tier: str) -> None:
    """Count one request refused by the rate limiter in ``tier``."""
    RATE_LIMITED.labels(tier=tier).inc()


def exposition() -> bytes:
    """Every metric in the Prometheus text format, across workers in multi-process mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def reset_multiprocess_dir() -> None:
    """Empty the multi-process directory before workers start (stale files would add up)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def metrics_endpoint(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """``GET /metrics``; with a token configured, only for ``Authorization: Bearer <token>``."""

    async def metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise Unauthorized("GET /metrics needs Authorization: Bearer <DCAAS_METRICS_TOKEN>")
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
