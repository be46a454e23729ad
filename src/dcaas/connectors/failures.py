"""The one table that turns driver and library errors into classified failures.

Each row matches an exception (by type, and optionally by a predicate on it) and says which
stable code, failure class, HTTP status (for browse and preview) and user-facing detail it
becomes. Details are written here, not copied from driver messages, so that no secret a
driver echoes (a URL with a password, a key id) reaches a response or a log line.

Rows are checked in order; the first match wins. Connector modules add no ``except``
blocks of their own for classification: they add rows here, in their section.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.errors import Code
from dcaas.kit.outbound import HostNotFound, OutboundRefused

F = FailureClass


@dataclass(frozen=True)
class Rule:
    kind: type[BaseException] | tuple[type[BaseException], ...]
    code: Code
    failure_class: FailureClass
    detail: str | Callable[[BaseException], str]
    when: Callable[[BaseException], bool] | None = None
    http_status: int = 503

    def matches(self, exc: BaseException) -> bool:
        return isinstance(exc, self.kind) and (self.when is None or self.when(exc))

    def failure(self, exc: BaseException) -> SourceFailure:
        detail = self.detail(exc) if callable(self.detail) else self.detail
        return SourceFailure(self.code, self.failure_class, detail, http_status=self.http_status)


# -- generic network rows (every connector) ------------------------------------------------
_GENERIC: list[Rule] = [
    Rule(OutboundRefused, Code.SOURCE_OUTBOUND_REFUSED, F.CONFIGURATION, str, http_status=400),
    Rule(HostNotFound, Code.SOURCE_HOST_NOT_FOUND, F.CONFIGURATION,
         lambda e: f"{e}; check the host name", http_status=400),  # fmt: skip
    Rule(socket.gaierror, Code.SOURCE_HOST_NOT_FOUND, F.CONFIGURATION,
         "the host name does not resolve; check the host name", http_status=400),  # fmt: skip
    Rule(ConnectionRefusedError, Code.SOURCE_CONNECT_REFUSED, F.UNREACHABLE,
         "the server refused the connection; check the host and port, and that the service "
         "is running"),  # fmt: skip
    Rule((TimeoutError, asyncio.TimeoutError), Code.SOURCE_CONNECT_TIMEOUT, F.UNREACHABLE,
         "the server did not answer in time; check the host, port and any firewall"),  # fmt: skip
    Rule(ssl.SSLCertVerificationError, Code.SOURCE_TLS_FAILED, F.CONFIGURATION,
         "the server's TLS certificate is not trusted; check the host name, or supply the "
         "root certificate", http_status=400),  # fmt: skip
    Rule(ssl.SSLError, Code.SOURCE_TLS_FAILED, F.CONFIGURATION,
         "the TLS handshake failed; check that the port speaks TLS and the TLS settings",
         http_status=400),  # fmt: skip
    Rule(OSError, Code.SOURCE_CONNECT_REFUSED, F.UNREACHABLE,
         "the connection to the server failed; check the host and port"),  # fmt: skip
]

# -- per-connector sections: each connector module's authors add their rows here ----------
_REST: list[Rule] = []
_S3: list[Rule] = []
_GCS: list[Rule] = []
_SFTP: list[Rule] = []
_SQL: list[Rule] = []
_OAUTH: list[Rule] = [
    Rule(httpx.ConnectTimeout, Code.SOURCE_CONNECT_TIMEOUT, F.UNREACHABLE,
         "the API did not accept the connection in time; check the url and any firewall"),
    Rule(httpx.TimeoutException, Code.SOURCE_TIMEOUT, F.TRANSIENT,
         "the API did not answer in time; retry later"),
    Rule(httpx.ConnectError, Code.SOURCE_CONNECT_REFUSED, F.UNREACHABLE,
         "the connection to the API failed; check the url, and that the service is running"),
    Rule(httpx.HTTPError, Code.SOURCE_PROTOCOL_ERROR, F.TRANSIENT,
         "the API's answer could not be read; retry later"),
]  # fmt: skip

# Specific rows first; the generic network rows (OSError is broad) last.
TABLE: list[Rule] = [*_REST, *_S3, *_GCS, *_SFTP, *_SQL, *_OAUTH, *_GENERIC]


def classify(exc: BaseException) -> SourceFailure:
    """The classified failure for ``exc`` (an internal failure when no row matches)."""
    if isinstance(exc, SourceFailure):
        return exc
    for rule in TABLE:
        if rule.matches(exc):
            return rule.failure(exc)
    return SourceFailure(
        Code.SOURCE_INTERNAL,
        F.INTERNAL,
        f"the connector failed unexpectedly ({type(exc).__name__}); this has been logged",
        http_status=503,
    )
