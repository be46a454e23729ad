"""The console's build (src/dcaas/console/static) is made by `make test` / `make console`.

Without it, tests that need it skip; with DCAAS_REQUIRE_CONSOLE=1 (as CI sets) they fail.
"""

from __future__ import annotations

import os

import pytest

from dcaas.console.web import STATIC


@pytest.fixture
def built_console() -> None:
    if (STATIC / "index.html").is_file() and (STATIC / "assets" / "swagger").is_dir():
        return
    if os.environ.get("DCAAS_REQUIRE_CONSOLE") == "1":
        pytest.fail("the console is not built: run make console")
    pytest.skip("the console is not built: run make console")
