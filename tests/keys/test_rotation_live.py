"""Rotation through the CLI while a real server keeps creating, patching and reading."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import httpx
from tests.keys.procs import api_key, cli, env_for, serving, spawn
from tests.keys.sealed import counts, open_all

if TYPE_CHECKING:
    from pathlib import Path

    from dcaas.config import Settings

URL = "/api/v1/data-connections"
SEED = 40


class Traffic:
    """Creates connections with secrets, patches them and reads them; remembers the secrets.

    The API commits a write after its response is sent (the session dependency's default
    FastAPI scope), so a write is followed at once only by reads that wait for it, and patches
    go to connections not written in the last few rounds.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.ids: dict[str, str] = {}
        self.expected: dict[str, dict[str, Any]] = {}
        self.recent: deque[str] = deque(maxlen=4)
        self.rng = random.Random(5)

    async def visible(self, conn_id: str) -> None:
        for _ in range(50):
            if (await self.client.get(f"{URL}/{conn_id}")).status_code == 200:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"connection {conn_id} never became visible")

    async def create(self, n: int) -> None:
        name, password, secret = f"c-{n}", f"p-{n}", f"cs-{n}"
        body = {
            "datasourceID": "rest",
            "qName": name,
            "connectionProperties": {
                "url": "https://example.com",
                "authSchema": "basic",
                "username": "u",
                "password": password,
            },
        }
        res = await self.client.post(URL, json=body)
        assert res.status_code == 201, res.text
        self.ids[name] = res.json()["id"]
        await self.visible(self.ids[name])
        ops = [{"op": "add", "path": "/qConnectionSecret", "value": secret}]
        res = await self.client.patch(f"{URL}/{self.ids[name]}", json=ops)
        assert res.status_code == 204, res.text
        self.expected[name] = {"password": password, "secret": secret}
        self.recent.append(name)

    async def patch_one(self, n: int) -> None:
        """Replace the password and the connection secret of an earlier connection (re-seals)."""
        name = self.rng.choice([n for n in self.ids if n not in self.recent])
        self.recent.append(name)
        password, secret = f"p-{n}-patched", f"cs-{n}-patched"
        ops = [
            {"op": "replace", "path": "/connectionProperties/password", "value": password},
            {"op": "replace", "path": "/qConnectionSecret", "value": secret},
        ]
        res = await self.client.patch(f"{URL}/{self.ids[name]}", json=ops)
        assert res.status_code == 204, res.text
        self.expected[name] = {"password": password, "secret": secret}

    async def read_one(self) -> None:
        name = self.rng.choice(list(self.ids))
        res = await self.client.get(f"{URL}/{self.ids[name]}")
        assert res.status_code == 200, res.text
        assert self.expected[name]["password"] not in res.text

    async def round(self, n: int) -> None:
        await self.create(n)
        await self.patch_one(n)
        await self.read_one()


def _active(settings: Settings) -> str:
    return str(json.loads(settings.key_file.read_text())["active"])


async def test_rotate_and_retire_while_serving(store: Settings, tmp_path: Path) -> None:
    """Creates, patches and reads run through rotate and retire; every secret still opens."""
    env = env_for(store)
    cli(env, "migrate")
    token = api_key(env)
    with serving(env, tmp_path / "serve.log") as url:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            traffic = Traffic(client)
            for n in range(SEED):
                await traffic.create(n)
            old = _active(store)
            slow = env_for(store, DCAAS_KEYS_REWRAP_PAUSE="0.1")
            rotation = spawn(slow, "keys", "rotate", "--batch-size", "8", log=tmp_path / "rot.log")
            n, deadline = SEED, time.monotonic() + 120
            while rotation.poll() is None and time.monotonic() < deadline:
                await traffic.round(n)
                n += 1
            rotation.wait(timeout=5)
            log = (tmp_path / "rot.log").read_text()
            assert rotation.returncode == 0, log
            assert n - SEED >= 5, "the rotation should overlap with traffic"
            new = _active(store)
            assert new != old
            assert "retired" in cli(env, "keys", "retire", old).stdout
            for m in range(n, n + 10):  # the server goes on after the retirement
                await traffic.round(m)
    opened = await open_all(store)
    got = {
        name: {"password": v["credential"]["password"], "secret": v["secret"]}
        for name, v in opened.items()
    }
    assert got == traffic.expected
    assert await counts(store) == {new: 2 * len(traffic.expected)}
    for secret in (v for e in traffic.expected.values() for v in e.values()):
        assert secret not in log
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
