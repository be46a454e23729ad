"""Azurite (Microsoft's Azure Storage emulator, from npm) on 127.0.0.1 and a free port.

Azurite is installed by ``.ci/run`` (and by hand: ``npm install --prefix ~/.cache/dcaas-test-npm
azurite@3``) into ``$DCAAS_TEST_NPM_DIR`` (default ``~/.cache/dcaas-test-npm``), outside the
repository. Without it the Azure tests skip, saying so, unless ``DCAAS_REQUIRE_AZURITE=1``
(CI) makes them fail. It runs with the machine's Node.js, keeps its data in memory, checks
shared-key signatures and SAS tokens of its well-known development account, and stops when
its standard input closes (so also when the test run is killed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.connectors.drivers import servers

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret: every emulator install has it).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_RUNNER = """
const { spawn } = require("child_process");
const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "ignore" });
process.stdin.on("end", () => { child.kill(); process.exit(0); });
process.stdin.resume();
setTimeout(() => { child.kill(); process.exit(0); }, 3600 * 1000);
"""


def npm_dir() -> Path:
    return Path(os.environ.get("DCAAS_TEST_NPM_DIR", "~/.cache/dcaas-test-npm")).expanduser()


def azurite_main() -> Path | None:
    main = npm_dir() / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
    return main if main.is_file() and shutil.which("node") else None


def require_azurite() -> Path:
    """Azurite's entry point, or a skip (a failure when DCAAS_REQUIRE_AZURITE=1)."""
    main = azurite_main()
    if main is None:
        reason = (
            f"Azurite is not installed in {npm_dir()} (or node is missing): run "
            f"`npm install --prefix {npm_dir()} azurite@3`; .ci/run does"
        )
        if os.environ.get("DCAAS_REQUIRE_AZURITE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return main


@dataclass
class Azurite:
    port: int
    process: subprocess.Popen[str]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.endpoint};"
        )


def start(main: Path, workdir: Path) -> Azurite:
    """Azurite's blob service, in memory, on a free loopback port; ready when it answers."""
    port = servers.closed_port()
    args = [
        shutil.which("node") or "node",
        str(main),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--loose",
        "--silent",
        "--disableProductStyleUrl",
    ]
    process = subprocess.Popen(
        ["node", "-e", _RUNNER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=workdir,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            servers.wait_port(port, timeout=0.5)
        except TimeoutError:
            if process.poll() is not None:
                raise RuntimeError("Azurite exited on start") from None
            continue
        return Azurite(port, process)
    servers.stop(process)
    raise TimeoutError("Azurite did not start within 30 seconds")
