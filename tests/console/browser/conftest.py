"""Browser tests: Debian's Chromium, driven by Playwright for Python, against a live
``dcaas serve`` (uvicorn, the real CLI) on loopback.

Connectors may reach loopback (DCAAS_OUTBOUND_ALLOW=127.0.0.1/32), where the test's REST
server, moto and OAuth provider run. Every request the page makes is recorded; any to an origin
other than dcaas's own is refused and fails the test. On failure a screenshot and the page's
console log are saved under $TMPDIR/dcaas-browser-failures/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page, Request, Route

CHROMIUM = "/usr/bin/chromium"
FAILURES = Path(tempfile.gettempdir()) / "dcaas-browser-failures"
TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dcaas:
    """The live server: its URL, its admin key, its log file and its environment."""

    url: str
    admin_key: str
    log: Path
    env: dict[str, str]

    def key_for(self, user: str, *, admin: bool = False) -> str:
        """A key for a user of the default tenant, made with the real CLI."""
        args = [_dcaas(), "apikey", "create", "--tenant", "default", "--user", user]
        done = subprocess.run(
            [*args, "--admin"] if admin else args,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def api(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {key or self.admin_key}"}
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _dcaas() -> str:
    return str(Path(sys.executable).with_name("dcaas"))


@pytest.fixture(scope="session")
def dcaas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dcaas]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)")
    from dcaas.console.web import STATIC  # noqa: PLC0415 - only the browser suite needs it

    if not (STATIC / "index.html").is_file():
        if os.environ.get("DCAAS_REQUIRE_CONSOLE") == "1":
            pytest.fail("the console is not built: run make console")
        pytest.skip("the console is not built: run make console")
    data = tmp_path_factory.mktemp("dcaas-browser")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DCAAS_DATA_DIR": str(data),
        "DCAAS_DATABASE_URL": "",
        "DCAAS_OUTBOUND_ALLOW": "127.0.0.1/32",
        "DCAAS_RATE_LIMIT_ENABLED": "false",
        "DCAAS_REDIS_URL": "",
        "DCAAS_LOG_FORMAT": "json",
        "DCAAS_LOG_LEVEL": "INFO",
        "DCAAS_BOOTSTRAP": "true",
        "DCAAS_AUTH_CACHE_SECONDS": "0",
        # Production as deployed: links and redirect URIs from the configured public URL.
        "DCAAS_ENV": "production",
        "DCAAS_PUBLIC_URL": url,
    }
    log = data / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [_dcaas(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("dcaas serve did not start:\n" + log.read_text())
            time.sleep(0.1)
        key = re.search(r"dcaas_[0-9a-f]{16}_[A-Za-z0-9_-]+", log.read_text())
        assert key is not None, "no bootstrap key printed"
        yield Dcaas(url, key.group(0), log, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running while it is open, which
    # the async tests that follow in the same run must not find.
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-sync",
                "--no-first-run",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
            ],
        )
        yield launched
        launched.close()


@dataclass
class Seen:
    """What a page did: every request URL, refused foreign ones, console lines, posted bodies."""

    urls: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    # Origins a test lets the browser visit besides dcaas (an OAuth provider's consent page).
    allowed: list[str] = field(default_factory=list)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def page(
    browser: Browser, dcaas_server: Dcaas, seen: Seen, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose requests to other origins are refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)

    def guard(route: Route) -> None:
        url = route.request.url
        origins = [dcaas_server.url, *seen.allowed]
        if any(url.startswith(o + "/") for o in origins) or url == "about:blank":
            route.continue_()
        else:
            seen.foreign.append(url)
            route.abort()

    def record(req: Request) -> None:
        seen.urls.append(req.url)
        if req.post_data:
            seen.bodies.append(req.post_data)

    context.route("**/*", guard)
    context.on("request", record)
    opened = context.new_page()
    opened.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}"))
    opened.on("pageerror", lambda e: seen.console.append(f"pageerror: {e}"))
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = FAILURES / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for number, each in enumerate(context.pages):
            each.screenshot(path=str(folder / f"page{number}.png"), full_page=True)
        (folder / "console.log").write_text("\n".join(seen.console))
        (folder / "requests.log").write_text("\n".join(seen.urls))
        sys.stderr.write(f"\nbrowser failure artifacts: {folder}\n")
    context.close()
    assert seen.foreign == [], f"requests to other origins: {seen.foreign}"
