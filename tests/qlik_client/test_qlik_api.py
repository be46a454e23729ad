"""Qlik's own client, ``@qlik/api`` (pinned), against a live dcaas: every operation of its
``connectivity/data-connections``, ``connectivity/data-credentials`` and
``connectivity/data-sources`` modules (``/api/connectivity``), and of the older
``data-connections``, ``data-credentials`` and ``data-sources`` modules (``/api/v1``), called
as an integrator would, each answer checked against the module's type definitions
(``connectivity.mjs`` and ``shapes.mjs`` beside this file).

The package is installed by :mod:`tests.qlik_api` (the one installer of the pinned version).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests import log_guard
from tests.live import live_dcaas
from tests.qlik_api import qlik_api_package

from dcaas.app import create_app
from dcaas.bootstrap import create_key

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.live import Live

HERE = Path(__file__).parent
# Operations a run leaves out (none: every operation of the three modules is called).
PENDING: set[str] = set()
# The secrets the script sends (the log guard searches every log line for them).
PASSWORDS = ("statement-password-Qz1", "new-password-Qz2")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_dcaas(tmp_path_factory.mktemp("dcaas")) as server:
        yield server


@pytest.fixture(scope="module")
def engine_key(live: Live) -> str:
    """An engine key of alice (the grant the engine endpoint asks for)."""

    async def make() -> str:
        state: Any = create_app(live.settings).state.dcaas
        try:
            issued = await create_key(
                state.sessions, tenant="acme", user="alice", admin=False, engine=True
            )
        finally:
            await state.engine.dispose()
        return issued.token

    token = asyncio.run(make())
    log_guard.remember(token.partition("_")[2].partition("_")[2])
    return token


def _run(
    live: Live, package: Path, namespace: str = "connectivity", engine_key: str = ""
) -> dict[str, Any]:
    env = {
        "ENGINE_KEY": engine_key,
        "NAMESPACE": namespace,
        "PATH": os.environ.get("PATH", ""),
        "QLIK_API_DIR": str(package),
        "DCAAS_URL": live.url,
        "ADMIN_KEY": live.admin,
        "USER_KEY": live.alice,
        "OTHER_TENANT_KEY": live.mallory,
        "PENDING": ",".join(sorted(PENDING)),
        "PASSWORD_1": PASSWORDS[0],
        "PASSWORD_2": PASSWORDS[1],
    }
    for secret in PASSWORDS:
        log_guard.remember(secret)
    done = subprocess.run(
        ["node", str(HERE / "connectivity.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no report from the script (exit {done.returncode}): {done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(lines[-1])
    report["exit"] = done.returncode
    report["stderr"] = done.stderr[-3000:]
    return report


@pytest.fixture(scope="module", params=["connectivity", "v1"])
def report(live: Live, engine_key: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    return _run(live, qlik_api_package(), request.param, engine_key)


def test_every_answer_fits_qlik_types(report: dict[str, Any]) -> None:
    """Every call the client made got the status and the shape its type definitions give."""
    assert report["failures"] == [], "\n".join(report["failures"]) + report["stderr"]
    assert report["exit"] == 0, report["stderr"]


def test_every_operation_of_the_three_modules_is_called(report: dict[str, Any]) -> None:
    """The script called each operation the three modules export: 22 in the connectivity
    modules of 2.19.0 (gateways, engine endpoints and generate-qri included), 19 in the
    /api/v1 ones."""
    operations = set(report["operations"])
    assert len(operations) in (22, 19)
    assert set(report["called"]) == operations - PENDING
