"""Observability: JSON logs with request context and redaction, Prometheus metrics, readiness.

* :func:`install` adds ``GET /health/ready`` and ``GET /metrics`` to an app; ``create_app``
  calls it. The request id, access line and request metrics are written by the one request
  layer, :mod:`dcaas.pipeline`.
* :func:`configure_logging` sends every logger through one redacting formatter (``dcaas
  serve`` calls it).
* :func:`record_connector_test` and :func:`record_rate_limited` are for the connector probe
  and the rate limiter; readiness checks plug into ``app.state.health_checks``.
"""

from dcaas.observability.context import REQUEST_ID_HEADER, RequestContext, current
from dcaas.observability.health import HealthCheck
from dcaas.observability.logs import JsonFormatter, TextFormatter, configure_logging
from dcaas.observability.metrics import (
    record_connector_test,
    record_rate_limited,
    reset_multiprocess_dir,
)
from dcaas.observability.redaction import redact, redact_text
from dcaas.observability.wiring import EXEMPT_PATHS, install, log_format

__all__ = [
    "EXEMPT_PATHS",
    "REQUEST_ID_HEADER",
    "HealthCheck",
    "JsonFormatter",
    "RequestContext",
    "TextFormatter",
    "configure_logging",
    "current",
    "install",
    "log_format",
    "record_connector_test",
    "record_rate_limited",
    "redact",
    "redact_text",
    "reset_multiprocess_dir",
]
