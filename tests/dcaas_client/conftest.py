"""One real dcaas per module, over HTTP on loopback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.live import Live, live_dcaas

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir: Path = tmp_path_factory.mktemp("dcaas")
    with live_dcaas(data_dir, max_body_bytes=65_536) as server:
        yield server
