"""The sync SDK is generated from the async one: the committed files are what generation gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sync_twin_is_regenerated_unchanged() -> None:
    """`scripts/unasync_sdk.py --check` finds src/dcaas_client/_sync up to date."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync_sdk.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_sync_file_says_it_is_generated() -> None:
    """Each file of the sync twin opens with the do-not-edit header."""
    files = sorted((ROOT / "src" / "dcaas_client" / "_sync").glob("*.py"))
    assert {f.name for f in files} == {"__init__.py", "client.py", "transport.py"}
    for path in files:
        assert path.read_text().startswith("# Generated from src/dcaas_client/_async/"), path
