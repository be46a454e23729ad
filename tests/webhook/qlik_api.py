"""Qlik's own TypeScript client, ``@qlik/api`` (pinned), installed from npm for the tests.

Installed into ``$DCAAS_TEST_NPM_DIR`` (default ``~/.cache/dcaas-test-npm``), outside the
checkout, by ``.ci/run`` or on first use here. Without Node.js and npm the tests skip,
unless ``DCAAS_REQUIRE_NODE=1`` (as CI sets it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

QLIK_API = "@qlik/api@2.19.0"


def npm_dir() -> Path:
    return Path(os.environ.get("DCAAS_TEST_NPM_DIR", "~/.cache/dcaas-test-npm")).expanduser()


def qlik_api_dir() -> Path:
    """Where ``@qlik/api`` 2.19.0 is installed (installing it when missing)."""
    package = npm_dir() / "node_modules" / "@qlik" / "api"
    manifest = package / "package.json"
    if manifest.exists() and '"version": "2.19.0"' in manifest.read_text():
        return package
    if not shutil.which("node") or not shutil.which("npm"):
        if os.environ.get("DCAAS_REQUIRE_NODE") == "1":
            pytest.fail("Node.js and npm are required to run @qlik/api")
        pytest.skip("Node.js and npm are needed to run @qlik/api")
    npm_dir().mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(npm_dir()), "--no-audit", "--no-fund", QLIK_API],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return package
