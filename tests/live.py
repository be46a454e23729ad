"""Real servers on loopback for the SDK and CLI suites: dcaas under uvicorn in a thread.

The server listens on a socket bound before it starts (port 0: no race for a free port),
on a fresh SQLite store (or PostgreSQL when the caller passes a database URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from tests import log_guard

from dcaas.app import create_app
from dcaas.bootstrap import create_key
from dcaas.config import Settings
from dcaas.kit.migrate import upgrade

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app on 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass(frozen=True)
class Live:
    """A running dcaas: its URL and keys for an admin, two users of tenant acme, and mallory
    of tenant evil."""

    url: str
    admin: str
    alice: str
    bob: str
    mallory: str
    settings: Settings


async def _keys(app: Any) -> dict[str, str]:
    state = app.state.dcaas
    keys = {}
    for tenant, user, admin in (
        ("acme", "admin", True),
        ("acme", "alice", False),
        ("acme", "bob", False),
        ("evil", "mallory", False),
    ):
        keys[user] = (await create_key(state.sessions, tenant=tenant, user=user, admin=admin)).token
        log_guard.remember(keys[user].partition("_")[2].partition("_")[2])
    await state.engine.dispose()
    return keys


@contextlib.contextmanager
def live_dcaas(data_dir: Path, **overrides: Any) -> Iterator[Live]:
    """dcaas on a fresh store, with keys made before it starts serving."""
    chosen: dict[str, Any] = {
        # Production's outbound policy unless the caller allows more (see tests/conftest.py).
        "outbound_allow": os.environ.get("DCAAS_OUTBOUND_ALLOW", ""),
        "jwt_hs256_secret": "test-secret-test-secret-test-secret-0",
        **overrides,
    }
    settings = Settings(data_dir=data_dir, env="development", **chosen)
    upgrade(settings.async_database_url)
    keys = asyncio.run(_keys(create_app(settings)))
    with serve(create_app(settings)) as url:
        yield Live(url, keys["admin"], keys["alice"], keys["bob"], keys["mallory"], settings)
