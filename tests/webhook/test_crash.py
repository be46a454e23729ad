"""At least once across a crash: ``dcaas serve`` killed with SIGKILL, then started again."""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING

import httpx
from tests.keys.procs import cli, free_port, spawn
from tests.webhook.conftest import RECEIVER_SECRET

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

    from tests.webhook.receiver import Receiver

CREATED = "com.qlik.v1.data-connection.created"


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCAAS_")}
    env.update(
        DCAAS_DATA_DIR=str(data),
        DCAAS_BOOTSTRAP="false",
        DCAAS_RATE_LIMIT_ENABLED="false",
        DCAAS_LOG_LEVEL="WARNING",
        DCAAS_ALLOWED_HOSTS="127.0.0.1",
        DCAAS_OUTBOUND_ALLOW="127.0.0.1/32",  # production's policy, plus the receiver's host
        **extra,
    )
    return env


def _admin_key(env: dict[str, str]) -> str:
    cli(env, "migrate")
    out = cli(env, "apikey", "create", "--tenant", "acme", "--user", "root", "--admin")
    return out.stdout.split()[-1]


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = spawn(env, "serve", "--host", "127.0.0.1", "--port", str(port), log=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "dcaas serve did not start"
        time.sleep(0.1)


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the delivery did not arrive"
        time.sleep(0.1)


def _setup(url: str, key: str, receiver: Receiver) -> None:
    h = {"Authorization": f"Bearer {key}"}
    body = {"name": "ops", "url": receiver.url, "eventTypes": [CREATED], "secret": RECEIVER_SECRET}
    assert httpx.post(url + "/api/v1/webhooks", json=body, headers=h).status_code == 201
    connection = {
        "qName": "crash",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }
    res = httpx.post(url + "/api/v1/data-connections", json=connection, headers=h)
    assert res.status_code == 201, res.text


def test_killed_between_commit_and_delivery_delivers_after_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    """The server commits a change, is killed -9 before its worker runs; after a restart
    the event is delivered, signed, exactly once."""
    sleepy = _env(tmp_path, DCAAS_WEBHOOK_POLL_SECONDS="3600")  # polls once, at start
    key = _admin_key(sleepy)
    proc, url = _serve(sleepy, tmp_path / "first.log")
    try:
        _setup(url, key, receiver)
    finally:
        _kill(proc)
    time.sleep(0.5)
    assert receiver.received == []
    proc, _ = _serve(_env(tmp_path, DCAAS_WEBHOOK_POLL_SECONDS="0.1"), tmp_path / "second.log")
    try:
        _wait(lambda: len(receiver.received) == 1, 30)
        time.sleep(0.5)
        assert len(receiver.received) == 1
        assert receiver.received[0].signed
        assert receiver.received[0].body["eventType"] == CREATED
    finally:
        _kill(proc)


def test_killed_during_a_delivery_redelivers_the_same_event_id(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Killed -9 while a POST is in flight: once the lease runs out, the restarted server
    sends the event again under the same id (at least once; receivers de-duplicate)."""
    receiver.delay = 2.0
    env = _env(
        tmp_path,
        DCAAS_WEBHOOK_POLL_SECONDS="0.1",
        DCAAS_WEBHOOK_TIMEOUT="5",
        DCAAS_WEBHOOK_LEASE_SECONDS="6",
    )
    key = _admin_key(env)
    proc, url = _serve(env, tmp_path / "first.log")
    try:
        _setup(url, key, receiver)
        _wait(lambda: receiver._in_flight, 10)
    finally:
        _kill(proc)
    receiver.delay = 0.0
    proc, _ = _serve(env, tmp_path / "second.log")
    try:
        _wait(lambda: len(receiver.received) == 2, 30)
        first, second = receiver.received
        assert first.event_id == second.event_id
        assert first.body == second.body
    finally:
        _kill(proc)
