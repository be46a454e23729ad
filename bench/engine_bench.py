"""The engine endpoint against GET one connection, in one run, printed as ratios.

Reload jobs ask the engine endpoint for their connection at every start, so a release of one
connection should cost little more than reading it: target >= 0.7 x the requests per second
of ``GET /api/v1/data-connections/{id}`` for the same connection, by the same caller.

Run ``.venv/bin/python bench/engine_bench.py``. For each key provider, ``dcaas serve`` (one
worker, SQLite, production profile, JSON access logs, rate limits off so the load is not
refused) is started with:

1. the local key provider (a key from ``DCAAS_ENCRYPTION_KEY``);
2. the AWS KMS provider against a local KMS server (moto's ``moto_server`` on 127.0.0.1),
   with the data-key cache (``DCAAS_DATA_KEY_CACHE_SECONDS``, default 30 s);
3. the same KMS provider with the cache off (``DCAAS_DATA_KEY_CACHE_SECONDS=0``): one KMS
   Decrypt per release, to show what the cache saves.

Each phase runs GET one and the release alternately, ``--rounds`` times, ``--concurrency``
callers from one asyncio client (the same client for both, so its own cost cancels out),
and compares medians. Every release writes its record (a short write transaction), which
GET does not. The machine is shared: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from dcaas.bootstrap import create_key
from dcaas.kit.db import create_engine, session_factory

if TYPE_CHECKING:
    from collections.abc import Iterator

BIN = Path(sys.executable).parent
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"
TARGET = 0.7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(cmd: list[str], env: dict[str, str], ready: str, log: Path) -> Iterator[None]:
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}; see {log}")
                try:
                    if httpx.get(ready, timeout=1).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{ready} did not come up")
                time.sleep(0.1)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def moto(stack: ExitStack, data: Path) -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    stack.enter_context(process(cmd, dict(os.environ), f"{url}/moto-api/", data / "moto.log"))
    return url


def kms_key(url: str) -> str:
    import boto3  # noqa: PLC0415 - only for the KMS phases

    client = boto3.client("kms", region_name=REGION, endpoint_url=url, **_aws_kwargs())
    return str(client.create_key(Description="dcaas bench KEK")["KeyMetadata"]["Arn"])


def _aws_kwargs() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS["AWS_SECRET_ACCESS_KEY"],
    }


async def make_key(db_url: str) -> str:
    """A tenant admin's engine key (what `dcaas apikey create --admin --engine` makes)."""
    engine = create_engine(db_url)
    try:
        sessions = session_factory(engine)
        issued = await create_key(
            sessions, tenant="bench", user="reloader", admin=True, engine=True
        )
        return issued.token
    finally:
        await engine.dispose()


async def load(
    url: str,
    method: str,
    body: dict[str, object] | None,
    args: argparse.Namespace,
    headers: dict[str, str],
) -> float:
    """Requests per second of ``--concurrency`` callers for ``--duration`` seconds."""
    done = 0
    errors = 0
    stop = time.monotonic() + args.duration
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def caller() -> None:
            nonlocal done, errors
            while time.monotonic() < stop:
                r = await client.request(method, url, json=body)
                if r.status_code >= 400:
                    errors += 1
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(caller() for _ in range(args.concurrency)))
        elapsed = time.monotonic() - started
    if errors:
        raise RuntimeError(f"{errors} of {done} requests to {url} failed")
    return done / elapsed


def phase(label: str, extra_env: dict[str, str], args: argparse.Namespace) -> float:
    """GET one vs release one on a fresh store with this key provider; the ratio."""
    data = Path(tempfile.mkdtemp(prefix="dcaas-engine-bench-"))
    try:
        with ExitStack() as stack:
            env = {
                **os.environ,
                **AWS,
                "DCAAS_DATA_DIR": str(data),
                "DCAAS_ENV": "production",
                "DCAAS_BOOTSTRAP": "false",
                "DCAAS_LOG_FORMAT": "json",
                "DCAAS_LOG_LEVEL": "INFO",
                "DCAAS_RATE_LIMIT_ENABLED": "false",
                "DCAAS_PUBLIC_URL": "http://127.0.0.1",
                **extra_env,
            }
            if env.get("DCAAS_KEY_PROVIDER") == "aws-kms":
                kms_url = moto(stack, data)
                env |= {
                    "DCAAS_KMS_ENDPOINT_URL": kms_url,
                    "DCAAS_KMS_REGION": REGION,
                    "DCAAS_KMS_KEY_ID": kms_key(kms_url),
                }
            else:
                env["DCAAS_ENCRYPTION_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
            subprocess.run(
                [str(BIN / "dcaas"), "migrate"], env=env, check=True, capture_output=True
            )
            key = asyncio.run(make_key(f"sqlite+aiosqlite:///{data / 'dcaas.db'}"))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            cmd = [str(BIN / "dcaas"), "serve", "--port", str(port)]
            stack.enter_context(process(cmd, env, f"{base}/health/live", data / "dcaas.log"))
            headers = {"Authorization": f"Bearer {key}"}
            conn = _seed(base, headers)
            get_url = f"{base}/api/v1/data-connections/{conn}"
            release_url = f"{base}/api/v1/data-sources/endpoints/actions/filter"
            release = {"connectionId": conn, "reloadId": "bench"}
            return _alternate(label, get_url, release_url, release, headers, args)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _seed(base: str, headers: dict[str, str]) -> str:
    body = {
        "dataSourceId": "rest",
        "qName": "hot",
        "connectionProperties": {
            "url": "https://example.com/api",
            "authSchema": "basic",
            "username": "reader",
            "password": "bench-" + secrets.token_hex(8),
        },
    }
    made = httpx.post(f"{base}/api/v1/data-connections", headers=headers, json=body)
    made.raise_for_status()
    return str(made.json()["qID"])


def _alternate(  # noqa: PLR0917 - one call site, named where it is made
    label: str,
    get_url: str,
    release_url: str,
    release: dict[str, object],
    headers: dict[str, str],
    args: argparse.Namespace,
) -> float:
    warm = argparse.Namespace(**{**vars(args), "duration": max(1, args.duration // 2)})
    asyncio.run(load(get_url, "GET", None, warm, headers))
    asyncio.run(load(release_url, "POST", release, warm, headers))
    gets, releases = [], []
    for _ in range(args.rounds):
        gets.append(asyncio.run(load(get_url, "GET", None, args, headers)))
        releases.append(asyncio.run(load(release_url, "POST", release, args, headers)))
    get, rel = statistics.median(gets), statistics.median(releases)
    print(f"\n{label}")
    print("    GET one     rounds req/s: " + ", ".join(f"{x:.0f}" for x in gets))
    print("    release one rounds req/s: " + ", ".join(f"{x:.0f}" for x in releases))
    verdict = "meets" if rel / get >= TARGET else "BELOW"
    print(f"    ratio release/GET: {rel / get:.2f} ({verdict} the {TARGET} target)")
    return rel / get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=6, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-kms", action="store_true", help="only the local provider")
    args = parser.parse_args()
    ratios = {"local": phase("local key provider (data-key cache 30 s)", {}, args)}
    if not args.skip_kms:
        kms = {"DCAAS_KEY_PROVIDER": "aws-kms"}
        ratios["kms"] = phase("AWS KMS provider, local KMS server (cache 30 s)", kms, args)
        no_cache = {**kms, "DCAAS_DATA_KEY_CACHE_SECONDS": "0"}
        ratios["kms-nocache"] = phase(
            "AWS KMS provider, cache off (a Decrypt each)", no_cache, args
        )
    print("\nratios (release / GET one):")
    for name, value in ratios.items():
        print(f"    {name:12} {value:.2f}")


if __name__ == "__main__":
    main()
