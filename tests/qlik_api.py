"""Qlik's published TypeScript client, ``@qlik/api`` (pinned), run with the machine's Node.js
against a live dcaas: what a Qlik integration would run, unchanged.

It is installed outside the repository into ``$DCAAS_TEST_NPM_DIR`` (default
``~/.cache/dcaas-test-npm``) by ``.ci/run``, or here on first use (``npm install --prefix
<dir> @qlik/api@2.19.0``). Without Node.js or npm the tests skip, saying so, unless
``DCAAS_REQUIRE_NODE=1`` (CI) or ``DCAAS_REQUIRE_QLIK_API=1`` makes them fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

VERSION = "2.19.0"
PACKAGE = f"@qlik/api@{VERSION}"


def npm_dir() -> Path:
    return Path(os.environ.get("DCAAS_TEST_NPM_DIR", "~/.cache/dcaas-test-npm")).expanduser()


def _installed() -> bool:
    manifest = npm_dir() / "node_modules" / "@qlik" / "api" / "package.json"
    try:
        return bool(json.loads(manifest.read_text())["version"] == VERSION)
    except (OSError, ValueError, KeyError):
        return False


def _unavailable(reason: str) -> None:
    if "1" in (os.environ.get("DCAAS_REQUIRE_QLIK_API"), os.environ.get("DCAAS_REQUIRE_NODE")):
        pytest.fail(reason)
    pytest.skip(reason)


def require_qlik_api() -> Path:
    """The directory whose node_modules holds @qlik/api (installed when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("Node.js and npm are needed to run @qlik/api; .ci/run installs them")
    if not _installed():
        npm_dir().mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(npm), "install", "--prefix", str(npm_dir()), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not _installed():
            _unavailable(f"could not install {PACKAGE} into {npm_dir()}: {done.stderr[-400:]}")
    return npm_dir()


def qlik_api_package() -> Path:
    """The installed package's own directory (``.../node_modules/@qlik/api``)."""
    return require_qlik_api() / "node_modules" / "@qlik" / "api"


def run_module(script: str, env: dict[str, str], timeout: float = 60) -> Any:
    """Run an ES module (``script``) with ``QLIK_API`` naming the package's directory; it
    prints one JSON document, returned parsed."""
    package = qlik_api_package()
    done = subprocess.run(
        [str(shutil.which("node")), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env, "QLIK_API": package.as_uri()},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
