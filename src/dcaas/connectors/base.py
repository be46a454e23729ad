"""The Connector contract: what every data source's runtime does, and what it answers.

A data source (:class:`dcaas.connectors.spec.DataSource`) names its runtime class with
``connector="dcaas.connectors.drivers.s3:S3Connector"``; the class is imported on first use.
A connector receives the *full* properties (public values joined with the decrypted
secrets) and a :class:`ConnectorContext`, and implements three calls:

* ``test(steps)`` runs named steps (``resolve-host``, ``connect``, ``tls``, ``authenticate``,
  ``authorize``, ``reach-bucket`` / ``reach-path`` / ``reach-database``) inside
  ``async with steps.step(name):`` blocks. An exception inside a step is classified through
  the one table in :mod:`dcaas.connectors.failures`; the step fails with a stable code, a
  failure class and a detail that says what to do, and the remaining steps are skipped.
* ``browse(path, limit, token)`` lists one page of what is under ``path``.
* ``preview(path, max_bytes, max_rows)`` reads the start of a file or table, never more
  than ``max_bytes`` from the source.

Connectors never log or raise secrets: details come from the failure table, not from
driver messages, unless the table says a message is safe to show.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from dcaas.connectors.failures import classify
from dcaas.connectors.source_failure import FailureClass, SourceFailure

if TYPE_CHECKING:
    from dcaas.kit.outbound import OutboundPolicy

# The failure vocabulary is part of the contract: connectors raise SourceFailure.
__all__ = [
    "Connector",
    "ConnectorContext",
    "Entry",
    "EntryPage",
    "FailureClass",
    "Preview",
    "SecretsSaver",
    "SourceFailure",
    "Step",
    "StepFailed",
    "StepResult",
    "Steps",
]


class Step(StrEnum):
    """Step names, in the order a connector normally runs them."""

    DRIVER = "driver"  # only when a SQL engine's driver extra is not installed
    RESOLVE = "resolve-host"
    CONNECT = "connect"
    TLS = "tls"
    AUTHENTICATE = "authenticate"
    AUTHORIZE = "authorize"
    REACH_BUCKET = "reach-bucket"
    REACH_PATH = "reach-path"
    REACH_DATABASE = "reach-database"
    REACH_ENDPOINT = "reach-endpoint"
    PAGINATION = "pagination"


@dataclass
class StepResult:
    name: str
    status: Literal["passed", "failed", "skipped"]
    elapsed_ms: int = 0
    code: str | None = None
    failure_class: FailureClass | None = None
    detail: str | None = None


class StepFailed(Exception):
    """Raised by :meth:`Steps.step` after recording a failure, to stop the test."""


@dataclass
class Steps:
    """Records the steps of one connection test."""

    results: list[StepResult] = field(default_factory=list)

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        except StepFailed:
            raise
        except Exception as exc:
            failure = exc if isinstance(exc, SourceFailure) else classify(exc)
            self.results.append(
                StepResult(
                    name,
                    "failed",
                    _ms(started),
                    str(failure.code),
                    failure.failure_class,
                    failure.detail,
                )
            )
            raise StepFailed from exc
        self.results.append(StepResult(name, "passed", _ms(started)))

    def skip(self, *names: str) -> None:
        """Mark steps that did not run because an earlier one failed."""
        for name in names:
            self.results.append(StepResult(name, "skipped"))

    @property
    def passed(self) -> bool:
        return all(r.status != "failed" for r in self.results)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


@dataclass
class Entry:
    """One thing behind a connection: a bucket, folder, file, schema, table or column."""

    name: str
    path: str
    type: Literal["bucket", "folder", "file", "schema", "table", "view", "column", "endpoint"]
    size: int | None = None
    modified: str | None = None  # ISO 8601
    etag: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a column's dataType, nullable


@dataclass
class EntryPage:
    items: list[Entry]
    next_token: str | None = None  # opaque to the API; passed back as ``token``


@dataclass
class Preview:
    """The start of a file or table: rows when the format is known, bytes otherwise."""

    path: str
    kind: Literal["rows", "bytes"]
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    # One per column: string, integer, number, boolean, date, datetime, time, object, array,
    # binary, mixed, or null (no value seen); empty when the connector does not know them.
    types: list[str] = field(default_factory=list)
    content: str | None = None  # text, or base64 when ``encoding`` is base64
    encoding: Literal["utf-8", "base64"] | None = None
    bytes_read: int = 0
    truncated: bool = False
    content_type: str | None = None


SecretsSaver = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class ConnectorContext:
    """What the service gives a connector besides its properties."""

    outbound: OutboundPolicy
    connect_timeout: float
    total_timeout: float
    max_preview_bytes: int
    # Persists changed secrets (a rotated OAuth refresh token) atomically; None when the
    # connection is not saved (testing an unsaved definition).
    save_secrets: SecretsSaver | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Connector(Protocol):
    """The runtime of one data source. Instances live for one API call."""

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None: ...

    async def test(self, steps: Steps) -> None: ...

    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage: ...

    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview: ...

    async def aclose(self) -> None: ...
