"""Scale-out: two real ``dcaas serve`` processes on one PostgreSQL database and one Redis.

Rate limits, Idempotency-Key and the one-name-per-space rule must hold whichever replica a
request reaches. Needs DCAAS_TEST_POSTGRES_URL and DCAAS_TEST_REDIS_URL (required in CI).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    REQUIRE_POSTGRES,
    REQUIRE_REDIS,
    _drop_pg,
    _fresh_pg_schema,
    assert_error,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

DCAAS = str(Path(sys.executable).with_name("dcaas"))
URL = "/api/v1/data-connections"
USERS = ("writer", "repeater", "racer")


@dataclass
class Replicas:
    urls: list[str]
    keys: dict[str, str]

    def h(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[user]}", **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _require_servers() -> None:
    for url, required, name in (
        (POSTGRES_URL, REQUIRE_POSTGRES, "POSTGRES"),
        (REDIS_URL, REQUIRE_REDIS, "REDIS"),
    ):
        if not url:
            if required:
                pytest.fail(f"DCAAS_REQUIRE_{name}=1 but DCAAS_TEST_{name}_URL is not set")
            pytest.skip(f"DCAAS_TEST_{name}_URL is not set")


def _wait_until_live(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dcaas serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"dcaas serve did not come up at {url}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    _require_servers()
    assert POSTGRES_URL
    assert REDIS_URL
    db_url = asyncio.run(_fresh_pg_schema(POSTGRES_URL))
    data = tmp_path_factory.mktemp("replicas")
    env = {
        **os.environ,
        "DCAAS_DATABASE_URL": db_url,
        "DCAAS_REDIS_URL": REDIS_URL,
        "DCAAS_RATE_LIMIT_PREFIX": f"dcaas-test-{uuid.uuid4().hex}",
        "DCAAS_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DCAAS_BOOTSTRAP": "false",
        "DCAAS_DATA_DIR": str(data),
        "DCAAS_LOG_LEVEL": "WARNING",
        "DCAAS_RATE_LIMIT_ENABLED": "true",
        "DCAAS_ALLOWED_HOSTS": "127.0.0.1",  # production refuses to serve without it
    }
    for name in ("DCAAS_RATE_LIMIT_TIER1", "DCAAS_RATE_LIMIT_TIER2"):
        env.pop(name, None)  # Qlik's defaults: 1000 and 100 a minute
    # apikey create never makes a store: the fresh database gets its schema first.
    subprocess.run([DCAAS, "migrate"], env=env, capture_output=True, check=True, timeout=120)
    keys = {}
    for user in USERS:
        command = [DCAAS, "apikey", "create", "--tenant", "acme", "--user", user]
        out = subprocess.run(
            command, env=env, capture_output=True, text=True, check=True, timeout=120
        )
        keys[user] = out.stdout.strip().splitlines()[-1]
    processes, urls = [], []
    try:
        for i in range(2):
            port, log = _free_port(), data / f"replica{i}.log"
            with log.open("wb") as fh:
                processes.append(
                    subprocess.Popen(
                        [DCAAS, "serve", "--host", "127.0.0.1", "--port", str(port)],
                        env=env,
                        stdout=fh,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
            _wait_until_live(urls[-1], processes[-1], log)
        yield Replicas(urls, keys)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        asyncio.run(_drop_pg(POSTGRES_URL, db_url))


def body(name: str) -> dict[str, Any]:
    return {
        "qName": name,
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://api.example.com"},
    }


async def test_101st_write_in_a_minute_is_429_on_either_replica(replicas) -> None:
    """100 writes alternating replicas succeed; the 101st and 102nd are 429 on each replica."""
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(100):
            r = await client.post(
                replicas.urls[i % 2] + URL, json=body(f"w{i}"), headers=replicas.h("writer")
            )
            assert r.status_code == 201, r.text
            assert r.headers["RateLimit-Remaining"] == str(99 - i)
        for url in replicas.urls:
            refused = await client.post(url + URL, json=body("over"), headers=replicas.h("writer"))
            assert_error(refused, 429, "HTTP-429")
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert refused.headers["RateLimit-Limit"] == "100"
        read = await client.get(replicas.urls[0] + URL, headers=replicas.h("writer"))
        assert read.status_code == 200
        assert read.json()["meta"]["count"] == 100


async def test_one_idempotency_key_on_both_replicas_creates_once(replicas) -> None:
    """The same key sent to both replicas, one after the other and at once: one connection."""
    async with httpx.AsyncClient(timeout=30) as client:
        one_key = replicas.h("repeater", **{"Idempotency-Key": "seq-1"})
        first = await client.post(replicas.urls[0] + URL, json=body("seq"), headers=one_key)
        again = await client.post(replicas.urls[1] + URL, json=body("seq"), headers=one_key)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        raced_key = replicas.h("repeater", **{"Idempotency-Key": "race-1"})
        raced = await asyncio.gather(
            *(
                client.post(url + URL, json=body("raced"), headers=raced_key)
                for url in replicas.urls * 3
            )
        )
        assert [r.status_code for r in raced] == [201] * 6
        assert len({r.json()["qID"] for r in raced}) == 1
        listed = await client.get(replicas.urls[1] + URL, headers=replicas.h("repeater"))
        assert sorted(c["qName"] for c in listed.json()["data"]) == ["raced", "seq"]


async def test_fifty_concurrent_creates_across_replicas_give_one_201(replicas) -> None:
    """50 creates of one name spread over both replicas: one 201 and 49 x 409 DCAAS-3002."""
    async with httpx.AsyncClient(timeout=60) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    replicas.urls[i % 2] + URL, json=body("one"), headers=replicas.h("racer")
                )
                for i in range(50)
            )
        )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 49}
    for r in answers:
        if r.status_code == 409:
            assert_error(r, 409, "DCAAS-3002")
