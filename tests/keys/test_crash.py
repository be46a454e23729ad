"""A rotation killed halfway (SIGKILL) loses nothing and finishes when run again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from typing import TYPE_CHECKING

from tests.keys.procs import cli, env_for, spawn
from tests.keys.sealed import counts, open_credentials

from dcaas.app import build_state
from dcaas.auth.principal import Principal
from dcaas.bootstrap import create_key
from dcaas.credential.service import CredentialService
from dcaas.kit.db import transaction
from dcaas.kit.migrate import upgrade

if TYPE_CHECKING:
    from pathlib import Path

    from dcaas.config import Settings

ROWS = 2000


async def _seed(settings: Settings) -> None:
    """ROWS credentials through the service layer, in one transaction."""
    await asyncio.to_thread(upgrade, settings.async_database_url)
    state = build_state(settings)
    try:
        issued = await create_key(state.sessions, tenant="t", user="u", admin=False)
        caller = Principal(
            tenant_id=issued.key.tenant_id,
            user_id=issued.key.user_id,
            subject="u",
            is_admin=False,
            via="api_key",
        )
        async with transaction(state.sessions) as session:
            service = CredentialService(session, caller, state.envelope)
            for i in range(ROWS):
                await service.create(
                    data_source_id="rest",
                    q_type="rest",
                    name=f"cred-{i}",
                    payload={"password": f"p-{i}"},
                    separated=False,
                )
    finally:
        await state.engine.dispose()


def _ring(settings: Settings) -> dict[str, object]:
    return dict(json.loads(settings.key_file.read_text()))


async def _kill_after_progress(settings: Settings, log: Path, old: str) -> str:
    """Start a slow rotation, SIGKILL it once some batches are in; the new key's id."""
    slow = env_for(settings, DCAAS_KEYS_REWRAP_PAUSE="0.2")
    proc = spawn(slow, "keys", "rotate", "--batch-size", "50", log=log)
    deadline = time.monotonic() + 120
    new = old
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()  # noqa: ASYNC240 - a small log, on failure
        new = str(_ring(settings)["active"])
        if new != old and (await counts(settings)).get(new, 0) >= 150:
            break
        await asyncio.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    return new


async def test_killed_rotation_resumes_without_loss(store: Settings, tmp_path: Path) -> None:
    """SIGKILL mid-rotation leaves rows split across keys; rerunning finishes on the same key."""
    await _seed(store)
    old = str(_ring(store)["active"])
    new = await _kill_after_progress(store, tmp_path / "rotate.log", old)
    halfway = await counts(store)
    assert new != old
    assert 0 < halfway[new] < ROWS
    assert halfway[old] + halfway[new] == ROWS
    status = cli(env_for(store), "keys", "status").stdout
    assert f"{old:<44} available  {halfway[old]}" in status
    out = cli(env_for(store), "keys", "rotate").stdout
    assert f"resumed the rotation to {new}" in out
    assert set(_ring(store)["keys"]) == {old, new}  # type: ignore[call-overload]
    assert await counts(store) == {new: ROWS}
    opened = await open_credentials(store)
    assert opened == {f"cred-{i}": {"password": f"p-{i}"} for i in range(ROWS)}
    ring_values = _ring(store)["keys"].values()  # type: ignore[attr-defined]
    for material in ring_values:
        assert material not in out
        assert material not in status
