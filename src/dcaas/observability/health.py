"""Readiness: a registry of named async checks, run together, each under a timeout.

A check is ``async () -> None`` that raises when its dependency is not usable. The app
keeps them in ``app.state.health_checks``; another part plugs its own in with one line::

    app.state.health_checks["redis"] = limiter.ping

``GET /health/ready`` answers 200 ``{"status": "ok", "checks": {...}}`` when every check
passes, otherwise 503 in the error envelope with each check's outcome in ``meta.checks``.
A failure is described by its exception's type only (a driver's message may name a DSN or
a host); the full, redacted message goes to the log with the request's id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import Request  # noqa: TC002 - FastAPI reads endpoint annotations at runtime
from fastapi.responses import JSONResponse
from sqlalchemy import text

from dcaas.errors import ServiceUnavailable, envelope

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from dcaas.kit.crypto import KeyProvider

HealthCheck = Callable[[], Awaitable[None]]
log = logging.getLogger(__name__)
_NO_STORE = {"Cache-Control": "no-store"}
_PROBE_AAD = b"dcaas:health:key-provider"


def database_check(engine: AsyncEngine) -> HealthCheck:
    """``SELECT 1`` through the pool: the store is reachable and answers."""

    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


def key_provider_check(provider: KeyProvider) -> HealthCheck:
    """The provider's own check, then the active key wraps a fresh value and unwraps it.

    Off the event loop: an external provider (KMS) answers over the network.
    """

    async def check() -> None:
        await provider.check()
        probe = os.urandom(32)
        key_id, wrapped = await asyncio.to_thread(provider.wrap, probe, aad=_PROBE_AAD)
        unwrapped = await asyncio.to_thread(provider.unwrap, key_id, wrapped, aad=_PROBE_AAD)
        if unwrapped != probe:
            raise RuntimeError("the key provider unwrapped a different value")

    return check


# Each check gets its own deadline, so one that hangs cannot hide the others' outcomes.
async def run_checks(
    checks: Mapping[str, HealthCheck],
    timeout: float,  # noqa: ASYNC109
) -> dict[str, Any]:
    names = list(checks)
    outcomes = await asyncio.gather(*(_run(n, checks[n], timeout) for n in names))
    return dict(zip(names, outcomes, strict=True))


async def _run(name: str, check: HealthCheck, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await check()
    except TimeoutError:
        log.warning("readiness check %s did not answer within %ss", name, timeout)
        outcome = {"status": "failed", "error": f"no answer within {timeout}s"}
    except Exception as exc:
        log.warning("readiness check %s failed", name, exc_info=exc)
        outcome = {"status": "failed", "error": _root(exc)}
    else:
        outcome = {"status": "ok"}
    return outcome | {"elapsedMs": round((time.perf_counter() - started) * 1000)}


def _root(exc: BaseException) -> str:
    """The innermost exception's type: ``ConnectionRefusedError``, ``InvalidCatalogNameError``."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__


def ready_endpoint(timeout: float) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def ready(request: Request) -> JSONResponse:
        checks = await run_checks(request.app.state.health_checks, timeout)
        failing = [name for name, outcome in checks.items() if outcome["status"] != "ok"]
        if not failing:
            return JSONResponse({"status": "ok", "checks": checks}, headers=_NO_STORE)
        error = ServiceUnavailable(
            "not ready: " + ", ".join(failing) + " failed",
            meta={"failing": failing, "checks": checks},
        )
        return JSONResponse(envelope(error), status_code=error.status, headers=_NO_STORE)

    return ready
