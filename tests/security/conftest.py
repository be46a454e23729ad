"""One world per test module and store: an app, its users, the captures (see world.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest_asyncio
from tests.conftest import _stores
from tests.security.world import World, build_world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import pytest


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=_stores())
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with build_world(request.param, tmp_path_factory.mktemp("security")) as made:
        yield made
