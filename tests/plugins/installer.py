"""Install the demo connector plugin for real: ``pip install --target`` into a directory of
this test run, found through its entry points once that directory is on ``sys.path``.

Installed once per process (about two seconds); :func:`plugin_on_path` puts it on
``sys.path`` and re-reads the catalog, and takes it away again afterwards, so tests outside
the plugin and conformance modules see the built-in catalog only.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from dcaas.connectors import registry

if TYPE_CHECKING:
    from collections.abc import Iterator

SOURCE = Path(__file__).resolve().parent / "dcaas_demo_plugin"


@functools.cache
def installed() -> Path:
    """The directory the plugin was installed into (made once per process)."""
    target = Path(tempfile.mkdtemp(prefix="dcaas-plugin-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(SOURCE),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


@contextlib.contextmanager
def plugin_on_path() -> Iterator[Path]:
    """The installed plugin on ``sys.path``, and the catalog re-read, for the block."""
    target = str(installed())
    sys.path.insert(0, target)
    importlib.invalidate_caches()
    registry.refresh()
    try:
        yield Path(target)
    finally:
        sys.path.remove(target)
        for name in [m for m in sys.modules if m.startswith("dcaas_demo_plugin")]:
            del sys.modules[name]
        importlib.invalidate_caches()
        registry.refresh()
