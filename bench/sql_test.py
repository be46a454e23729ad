"""Testing a PostgreSQL connection through the API versus the same driver directly, in one run.

Starts a throwaway PostgreSQL cluster (scram-sha-256 passwords, TLS; tests/sql_servers.py,
needs root to run it as user postgres) and the dcaas server (uvicorn, a temporary data
directory, ``DCAAS_OUTBOUND_ALLOW=127.0.0.1/32``), then times N iterations of

  (a) ``POST /api/v1/data-connections/actions/test`` of a ``postgresql`` connection
      (resolve-host, connect, tls, authenticate, reach-database: a new asyncpg login and
      ``SELECT 1`` each time), and
  (b) asyncpg directly: ``connect`` + ``SELECT 1`` + ``close``, the same login each time,

with sslMode ``disable`` and ``prefer`` (TLS). The two alternate call by call, so a load
change on the machine hits both alike; it prints mean / p50 / p99 and the ratios (a) / (b)
of the means and of the medians (target 1.3 or less). Run:
``python bench/sql_test.py [-n 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from s3_test import start_dcaas, summary  # noqa: E402 - after the path is set
from tests import sql_servers  # noqa: E402


def _body(db: sql_servers.Db, mode: str) -> dict[str, Any]:
    return {
        "dataSourceId": "postgresql",
        "qName": "bench",
        "connectionProperties": {
            "host": "127.0.0.1",
            "port": db.port,
            "database": db.database,
            "username": db.user,
            "password": db.password,
            "sslMode": mode,
        },
    }


def _loop() -> asyncio.AbstractEventLoop:
    """The loop the server runs asyncpg on: uvloop (uvicorn[standard]) when installed."""
    try:
        import uvloop  # noqa: PLC0415 - optional

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    return loop


def both_halves(
    base: str, token: str, db: sql_servers.Db, mode: str, n: int
) -> tuple[list[float], list[float]]:
    """(a) and (b), alternating call by call after a warm-up of each."""
    url = f"{base}/api/v1/data-connections/actions/test"
    body = _body(db, mode)
    ssl: Any = False if mode == "disable" else "prefer"
    loop = _loop()

    async def direct() -> None:
        # The same login the connector makes, closed without waiting, as it closes it.
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=db.port,
            user=db.user,
            password=db.password,
            database=db.database,
            ssl=ssl,
        )
        await conn.fetchval("SELECT 1")
        conn.terminate()

    api_ms: list[float] = []
    direct_ms: list[float] = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:

        def through_api() -> None:
            answer = client.post(url, json=body)
            answer.raise_for_status()
            if answer.json()["status"] != "passed":
                raise RuntimeError(answer.text)

        try:
            for _ in range(5):  # warm up: imports, connections, first-call caches
                through_api()
                loop.run_until_complete(direct())
            for _ in range(n):
                started = time.perf_counter()
                through_api()
                api_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                loop.run_until_complete(direct())
                direct_ms.append((time.perf_counter() - started) * 1000)
        finally:
            loop.close()
    return api_ms, direct_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--iterations", type=int, default=200)
    args = parser.parse_args()
    dcaas = None
    with sql_servers.postgres_cluster() as db, tempfile.TemporaryDirectory() as data_dir:
        try:
            dcaas, base, token = start_dcaas(Path(data_dir))
            print(f"PostgreSQL connection test, {args.iterations} iterations each, loopback")
            for mode in ("disable", "prefer"):
                api, direct = both_halves(base, token, db, mode, args.iterations)
                through = summary(f"API: POST .../actions/test, sslMode {mode}", api)
                plain = summary(f"direct: asyncpg connect + SELECT 1, {mode}", direct)
                medians = statistics.median(api) / statistics.median(direct)
                print(
                    f"ratio API / direct ({mode}): {through / plain:.2f}x of the means, "
                    f"{medians:.2f}x of the medians (target <= 1.3)"
                )
        finally:
            if dcaas is not None:
                dcaas.terminate()
                dcaas.wait(timeout=10)


if __name__ == "__main__":
    main()
