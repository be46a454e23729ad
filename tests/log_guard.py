"""A pytest plugin: after the whole run, no secret value the tests used is in any log line.

For the whole session a handler on the root logger records, at INFO and above, every line
as dcaas writes it (the redacting filter, then the JSON formatter), from every logger
(dcaas, asyncssh, botocore, httpx, asyncpg, aiomysql, urllib3, google-auth, uvicorn ...).
At the end each secret is searched for, raw, base64 (standard and URL-safe) and hex, and
the run fails when one is found, naming the test that logged it.

Secrets come from three places: tests register what they make at run time (the
``secrets_used`` fixture, or :func:`remember`); the constants of the test modules named in
:data:`KNOWN` are picked up when their module was loaded (a name that is gone fails the
run); and every string a test source writes where a secret goes is found by reading the
sources (:func:`literal_secrets`): the value of a secret property of any data source in the
catalog, of Qlik's ``qUsername`` / ``qPassword``, of a console sign-in's ``apiKey`` or of a
secret setting, as a dict item or a keyword argument (a module constant given by name
included), so a new test's literals are covered without a list. Test servers running in
this process (asyncssh's server, say) log what their clients sent: their lines are not
dcaas's and are left out by starting them inside :func:`server_side`.
"""

from __future__ import annotations

import ast
import base64
import logging
import os
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick
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
    "tests.connectors.drivers.azurite": ("KEY",),
    "tests.connectors.drivers.test_azure": ("WRONG_KEY",),
    "tests.connectors.test_salesforce": ("CLIENT_SECRET", "OPERATOR_SECRET"),
    "tests.oauth.conftest": ("OPERATOR_SECRET", "OWN_SECRET"),
    "tests.dcaas_client.test_client": ("SECRET",),
    "tests.dcaas_client.test_oauth": ("CLIENT_SECRET",),
    "tests.cli.test_probe": ("CLIENT_SECRET",),
    "tests.conftest": ("TEST_SECRET",),
}
# A literal made only of lower-case letters is a word ("postgres", "reader"): it occurs in
# ordinary log lines, so it is no evidence of a leak.
_WORD = re.compile(r"[a-z]+")
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
        if module is None:
            continue  # not loaded in this run: its secrets were not used
        for name in names:
            if not hasattr(module, name):
                raise AssertionError(f"log_guard.KNOWN names {module_name}.{name}: it is gone")
            value: Any = getattr(module, name)
            found |= {value} if isinstance(value, str) else set(value or ())
    return found


def secret_keys() -> frozenset[str]:
    """Where a test writes a secret: a secret property of any data source in the catalog,
    Qlik's qUsername / qPassword, a console sign-in's apiKey, a secret setting."""
    from dcaas.config import OAuthClient, Settings  # noqa: PLC0415 - at the end of the run
    from dcaas.connectors import all_data_sources  # noqa: PLC0415 - the catalog is loaded

    keys = {name for source in all_data_sources() for name in source.properties.secret_fields()}
    for model in (Settings, OAuthClient):
        fields = model.model_fields.items()
        keys |= {name for name, info in fields if "SecretStr" in str(info.annotation)}
    return frozenset(keys | {"qUsername", "qPassword", "apiKey"})


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's top-level ``NAME = "literal"`` assignments."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _written_at(node: ast.AST, keys: frozenset[str]) -> list[ast.expr]:
    """The values ``node`` writes under one of ``keys`` (dict items, keyword arguments)."""
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return [v for k, v in pairs if isinstance(k, ast.Constant) and k.value in keys]
    if isinstance(node, ast.Call):
        return [k.value for k in node.keywords if k.arg in keys]
    return []


def literal_secrets(root: Path, keys: frozenset[str]) -> set[str]:
    """Every string the test sources under ``root`` write under a secret key."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            for value in _written_at(node, keys):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
                elif isinstance(value, ast.Name) and value.id in constants:
                    found.add(constants[value.id])
    return {v for v in found if len(v) >= MIN_LENGTH and not _WORD.fullmatch(v)}


def leaks() -> list[tuple[str, str, str]]:
    """(secret, test, line) for each secret found in a recorded line.

    One pass over the lines with an Aho-Corasick automaton of every form of every secret: a
    full run records hundreds of thousands of lines, and a search per form took minutes.
    """
    written = literal_secrets(Path(__file__).parent, secret_keys())
    used = _USED | _known() | written
    secrets = {s for s in used if isinstance(s, str) and len(s) >= MIN_LENGTH}
    if not secrets:
        return []
    automaton = ahocorasick.Automaton()
    for secret in secrets:
        for form in _forms(secret):
            automaton.add_word(form, secret)
    automaton.make_automaton()
    found: dict[str, tuple[str, str]] = {}
    for test, line in _RECORDER.lines:
        for _, secret in automaton.iter(line):
            found.setdefault(secret, (test, line))
    return [(secret, *found[secret]) for secret in sorted(found)]


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
