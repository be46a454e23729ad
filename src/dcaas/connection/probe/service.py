"""Testing, browsing and previewing connections: where a connector runs, bounded in time.

Every connector call runs inside ``asyncio.timeout(settings.connector_total_timeout)``;
connectors use non-blocking I/O, so a source that never answers holds one request, not the
server. A browse or preview failure becomes an error answer with the failure table's code,
HTTP status and ``meta.failureClass``; a test failure is a failed step in a 200 answer.
Nothing here writes, except a connector rotating its own secrets through ``save_secrets``
(a short write of its own). Nothing here holds a session: the route read what the call needs
before (its unit of work is ``CallsOut``), and the connector runs with no transaction open.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from dcaas.connectors.base import (
    Connector,
    ConnectorContext,
    EntryPage,
    FailureClass,
    Preview,
    SecretsSaver,
    SourceFailure,
    StepFailed,
    StepResult,
    Steps,
)
from dcaas.connectors.failures import classify
from dcaas.credential.service import CredentialService
from dcaas.errors import (
    BadRequest,
    Code,
    DcaasError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from dcaas.observability.in_use import secret_values, secrets_in_use
from dcaas.observability.metrics import record_connector_test

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from dcaas.auth.principal import Principal
    from dcaas.connection.probe.targets import Target
    from dcaas.deps import AppState

log = logging.getLogger(__name__)
T = TypeVar("T")
_CLOSE_SECONDS = 2.0
_ERRORS: dict[int, type[DcaasError]] = {
    400: BadRequest,
    403: Forbidden,
    404: NotFound,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


@dataclass
class ProbeResult:
    passed: bool
    steps: list[StepResult] = field(default_factory=list)


class _TrackedSteps(Steps):
    """Steps that remember which one is running, to name it when the deadline passes."""

    current: str | None = None
    started: float = 0.0

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        self.current, self.started = name, asyncio.get_running_loop().time()
        async with super().step(name):
            yield
        self.current = None


def source_error(failure: SourceFailure) -> DcaasError:
    """A classified failure as an error answer (never a 500)."""
    kind = _ERRORS.get(failure.http_status, ServiceUnavailable)
    return kind(
        failure.detail,
        code=failure.code,
        title="The data source failed.",
        meta={"failureClass": str(failure.failure_class)},
    )


class ProbeService:
    def __init__(self, state: AppState, principal: Principal) -> None:
        self.state = state
        self.settings = state.settings
        self.principal = principal

    # -- the three calls --------------------------------------------------------------------
    async def test(self, target: Target) -> ProbeResult:
        steps = _TrackedSteps()
        try:
            await self._call(target, lambda c: c.test(steps))
        except StepFailed as exc:
            _log_internal(target, exc.__cause__, steps.results)
        except Exception as exc:  # noqa: BLE001 - a failure outside any step is still a step
            failure = classify(exc)
            _log_internal(target, exc, [])
            name = steps.current or "connect"
            steps.results.append(
                StepResult(
                    name,
                    "failed",
                    self._elapsed(steps),
                    str(failure.code),
                    failure.failure_class,
                    failure.detail,
                )
            )
        passed = steps.passed and bool(steps.results)
        status = "passed" if passed else "failed"
        log.info("connection test of a %s source: %s", target.source.id, status)
        failed = next((r for r in steps.results if r.status == "failed"), None)
        record_connector_test(
            target.source.id,
            status,
            str(failed.failure_class) if failed and failed.failure_class else None,
        )
        return ProbeResult(passed, steps.results)

    async def browse(self, target: Target, path: str, limit: int, token: str | None) -> EntryPage:
        return await self._classified(target, lambda c: c.browse(path, limit, token))

    async def preview(self, target: Target, path: str, max_rows: int) -> Preview:
        cap = self.settings.preview_max_bytes
        preview = await self._classified(target, lambda c: c.preview(path, cap, max_rows))
        return cap_preview(preview, cap)

    # -- running a connector -----------------------------------------------------------------
    async def _classified(self, target: Target, action: Callable[[Connector], Awaitable[T]]) -> T:
        try:
            return await self._call(target, action)
        except Exception as exc:  # noqa: BLE001 - the table classifies every failure
            _log_internal(target, exc, [])
            raise source_error(classify(exc)) from None

    async def _call(self, target: Target, action: Callable[[Connector], Awaitable[T]]) -> T:
        cls = target.source.connector_class()
        if cls is None:  # targets refuse such sources first; kept for the type checker
            raise SourceFailure(
                Code.SOURCE_UNSUPPORTED,
                FailureClass.CONFIGURATION,
                "this data source has no connector",
                http_status=400,
            )
        # The one place a connector is handed secrets: from here on, log lines scrub them.
        with secrets_in_use(secret_values(target.source, target.properties)):
            return await self._run(cls(target.properties, self._context(target)), action)

    async def _run(self, connector: Connector, action: Callable[[Connector], Awaitable[T]]) -> T:
        seconds = self.settings.connector_total_timeout
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                return await action(connector)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise SourceFailure(
                Code.SOURCE_TIMEOUT,
                FailureClass.UNREACHABLE,
                f"the data source did not finish within {seconds:g} seconds; "
                "check the host and port, and that the service answers",
                http_status=503,
            ) from None
        finally:
            with suppress(Exception):
                async with asyncio.timeout(_CLOSE_SECONDS):
                    await connector.aclose()

    def _context(self, target: Target) -> ConnectorContext:
        s = self.settings
        return ConnectorContext(
            outbound=s.outbound,
            connect_timeout=s.connector_connect_timeout,
            total_timeout=s.connector_total_timeout,
            max_preview_bytes=s.preview_max_bytes,
            save_secrets=self._saver(target.credential_id),
            extra=dict(target.extra),
        )

    def _saver(self, credential_id: str | None) -> SecretsSaver | None:
        """Re-seal rotated secrets into the connection's credential, in their own transaction
        (committed even when the rest of the call fails: a rotated token must not be lost)."""
        if credential_id is None:
            return None

        async def save(changed: dict[str, Any]) -> None:
            async with self.state.store.write() as session:
                credentials = CredentialService(session, self.principal, self.state.envelope)
                credential = await credentials.repo.get_any_owner(credential_id)
                if credential is not None:
                    credentials.reseal(credential, {**credentials.open(credential), **changed})

        return save

    @staticmethod
    def _elapsed(steps: _TrackedSteps) -> int:
        if steps.current is None:
            return 0
        return round((asyncio.get_running_loop().time() - steps.started) * 1000)


def _log_internal(target: Target, exc: BaseException | None, results: list[StepResult]) -> None:
    """Log failures nobody classified: type and code lines only, never a driver's message."""
    if exc is None or isinstance(exc, SourceFailure):
        return
    internal = [r for r in results if r.failure_class == FailureClass.INTERNAL]
    if results and not internal:
        return
    if classify(exc).failure_class != FailureClass.INTERNAL:
        return
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "connector for %s failed unexpectedly with %s at\n%s",
        target.source.id,
        type(exc).__name__,
        where,
    )


def cap_preview(preview: Preview, cap: int) -> Preview:
    """Drop rows from the end until the rows fit ``cap`` bytes of JSON (any connector)."""
    if preview.kind != "rows":
        if preview.content is not None and len(preview.content) > cap * 2:
            preview.content, preview.truncated = preview.content[: cap * 2], True
        return preview
    size = len(json.dumps(preview.columns, default=str))
    for index, row in enumerate(preview.rows):
        size += len(json.dumps(row, default=str)) + 1
        if size > cap:
            preview.rows, preview.truncated = preview.rows[:index], True
            break
    return preview
