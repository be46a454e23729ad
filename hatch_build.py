"""Hatch build hook: a wheel carries the built web console (``npm ci && npm run build``).

The build output (``src/dcaas/console/static``) is not in git. A wheel build makes it when it
is missing, with the machine's Node 20 and npm; editable installs skip this (``make`` builds it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ConsoleBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "console"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:  # noqa: ARG002 - hatch's signature
        if version == "editable":
            return
        root = Path(self.root)
        if (root / "src/dcaas/console/static/index.html").is_file():
            return
        sources = root / "console"
        npm = shutil.which("npm")
        if npm is None or not (sources / "package.json").is_file():
            msg = "building the dcaas wheel needs the console sources (console/) and npm (Node 20)"
            raise RuntimeError(msg)
        install = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        subprocess.run(install, cwd=sources, check=True)  # noqa: S603 - fixed arguments
        subprocess.run([npm, "run", "build"], cwd=sources, check=True)  # noqa: S603 - fixed arguments
