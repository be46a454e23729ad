"""A pytest plugin: after the whole run, no secret value the tests used is in any log line.

For the whole session a handler on the root logger records, at INFO and above, every line
as dcaas writes it (the redacting filter, then the JSON formatter), from every logger
(dcaas, asyncssh, botocore, httpx, asyncpg, aiomysql, urllib3, google-auth, uvicorn ...).
At the end each secret is searched for, raw, base64 (standard and URL-safe) and hex, and
the run fails when one is found, naming the test that logged it.

Secrets come from two places: tests register what they make (the ``secrets_used`` fixture,
or :func:`remember`), and the well-known constants of the test modules (:data:`KNOWN`) are
picked up when their module was loaded. Test servers running in this process (asyncssh's
server, say) log what their clients sent: their lines are not dcaas's and are left out
by starting them inside :func:`server_side`.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import pytest

from dcaas.observability import JsonFormatter
from dcaas.observability.logs import RedactingFilter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MIN_LENGTH = 6  # shorter values occur by chance in ordinary text
KNOWN: dict[str, tuple[str, ...]] = {
    "tests.sql_servers": ("PASSWORD",),
    "tests.rest_server": ("PASSWORD", "TOKEN", "API_KEY"),
    "tests.test_seeds": ("ALL_SECRETS",),
    "tests.observability.test_no_secret_in_logs": ("SECRETS",),
    "tests.connectors.drivers.conftest": ("SFTP_USER", "SFTP_PASSWORD", "SFTP_PASSPHRASE"),
    "tests.oauth.conftest": ("OPERATOR_SECRET", "OWN_SECRET"),
    "tests.dcaas_client.test_client": ("SECRET",),
    "tests.dcaas_client.test_oauth": ("CLIENT_SECRET",),
    "tests.cli.test_probe": ("CLIENT_SECRET",),
    "tests.conftest": ("TEST_SECRET",),
}
_USED: set[str] = set()
_SERVER_SIDE: ContextVar[bool] = ContextVar("tests_server_side", default=False)


def remember(*values: str | None) -> None:
    """Add secret values this run used; the final check looks for them."""
    _USED.update(v for v in values if v)


@pytest.fixture
def secrets_used() -> Callable[..., None]:
    """``secrets_used(value, ...)``: register secrets for the end-of-run log check."""
    return remember


@contextmanager
def server_side() -> Iterator[None]:
    """Lines logged by a test server started inside this block are not checked."""
    token = _SERVER_SIDE.set(True)
    try:
        yield
    finally:
        _SERVER_SIDE.reset(token)


def not_server_side(record: logging.LogRecord) -> bool:
    """A logging filter: drop the lines of test servers started in :func:`server_side`."""
    del record
    return not _SERVER_SIDE.get()


class Recorder(logging.Handler):
    """Keeps every formatted line with the test that was running."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[tuple[str, str]] = []
        self.addFilter(RedactingFilter())
        self.setFormatter(JsonFormatter())

    def filter(self, record: logging.LogRecord) -> bool:
        return not_server_side(record) and bool(super().filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - a line we cannot format cannot leak either
            return
        self.lines.append((os.environ.get("PYTEST_CURRENT_TEST", "-"), line))


_RECORDER = Recorder()


def _forms(value: str) -> set[str]:
    raw = value.encode()
    return {
        value,
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
    }


def _known() -> set[str]:
    found: set[str] = set()
    for module_name, names in KNOWN.items():
        module = sys.modules.get(module_name)
        for name in names:
            value: Any = getattr(module, name, None)
            found |= {value} if isinstance(value, str) else set(value or ())
    return found


def leaks() -> list[tuple[str, str, str]]:
    """(secret, test, line) for each secret found in a recorded line."""
    secrets = {s for s in _USED | _known() if isinstance(s, str) and len(s) >= MIN_LENGTH}
    text = "\n".join(line for _, line in _RECORDER.lines)
    out = []
    for secret in sorted(secrets):
        hit = next((f for f in _forms(secret) if f in text), None)
        if hit is not None:
            test, line = next((t, line) for t, line in _RECORDER.lines if hit in line)
            out.append((secret, test, line))
    return out


def pytest_sessionstart(session: pytest.Session) -> None:
    root = logging.getLogger()
    root.addHandler(_RECORDER)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    # As dcaas's configure_logging does: else google-api-core stops "google" propagating.
    logging.getLogger("google").setLevel(logging.INFO)


def pytest_sessionfinish(session: pytest.Session) -> None:
    logging.getLogger().removeHandler(_RECORDER)
    found = leaks()
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "secrets found in log lines", red=True)
        for secret, test, line in found:
            shown = line.replace(secret, secret[:3] + "...")
            reporter.write_line(f"{secret[:3]}... was logged during {test}: {shown}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
