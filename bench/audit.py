"""What recording audit events costs: create throughput with auditing on against off.

Two ``dcaas serve`` processes on one store, one with ``DCAAS_AUDIT=1`` (the default) and one
with ``DCAAS_AUDIT=0`` (the setting exists for this measurement), take the same load in
turn, ``--rounds`` times each: ``POST /api/v1/data-connections`` with a sealed secret, from
``--keys`` tenant admins in turn, ``--connections`` at a time for ``--duration`` seconds. A
create with auditing on writes its connection, its credential and their two events in the
one transaction. The ratio (on / off, medians of the rounds) is printed; the target is
≥ 0.85. SQLite always; PostgreSQL too when ``--pg-url`` answers.

The load generator is httpx in this process (no wrk needed); it loads both servers alike,
so the ratio holds even though absolute figures are lower than wrk's.

    .venv/bin/python bench/audit.py [--pg-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import Bench, free_port, fresh_store, process

BIN = Path(sys.executable).parent
TARGET = 0.85


@dataclass
class Round:
    rps: float
    errors: int


async def _load(base: str, keys: list[str], seconds: float, concurrency: int, tag: str) -> Round:
    """Creates with a secret, ``concurrency`` at a time, for ``seconds``."""
    counter = itertools.count()
    done = errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal done, errors
            while time.monotonic() < stop:
                n = next(counter)
                body = {
                    "dataSourceId": "rest",
                    "qName": f"{tag}-{n}",
                    "connectionProperties": {
                        "url": "https://example.com/api",
                        "queryHeaders": [
                            {"name": "Authorization", "value": f"Bearer s-{n}", "encrypt": True}
                        ],
                    },
                }
                auth = {"Authorization": f"Bearer {keys[n % len(keys)]}"}
                res = await client.post("/api/v1/data-connections", json=body, headers=auth)
                if res.status_code == 201:
                    done += 1
                else:
                    errors += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return Round(done / elapsed, errors)


def _serve(bench: Bench, stack: ExitStack, *, audit: bool) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **bench.env,
        "DCAAS_AUDIT": "1" if audit else "0",
        "DCAAS_PUBLIC_URL": base,
        # The measure is the trail's cost: no rate limit to pass (neither server has one).
        "DCAAS_RATE_LIMIT_ENABLED": "false",
    }
    cmd = [str(BIN / "dcaas"), "serve", "--port", str(port)]
    log = bench.store.data_dir / f"dcaas-audit-{int(audit)}.log"
    stack.enter_context(process(cmd, env, f"{base}/health/live", log))
    return base


def measure(kind: str, args: argparse.Namespace) -> float:
    with fresh_store(kind, args.pg_url) as store, ExitStack() as stack:
        bench = Bench(store, args, stack)
        on, off = _serve(bench, stack, audit=True), _serve(bench, stack, audit=False)
        runs: dict[str, list[Round]] = {"on": [], "off": []}
        for name, base in (("on", on), ("off", off)):  # warm up: pools, caches
            asyncio.run(_load(base, bench.keys, 2, args.connections, f"w{name}"))
        for r in range(args.rounds):
            order = (("on", on), ("off", off)) if r % 2 == 0 else (("off", off), ("on", on))
            for name, base in order:  # alternating which goes first cancels drift
                runs[name].append(
                    asyncio.run(
                        _load(base, bench.keys, args.duration, args.connections, f"{name}{r}")
                    )
                )
        for name, rounds in runs.items():
            figures = ", ".join(f"{x.rps:.0f}" for x in rounds)
            print(f"  {kind}, auditing {name:3}: creates/s per round {figures}")
            if bad := sum(x.errors for x in rounds):
                print(f"    ({bad} answers were not 201)")
        ratio = statistics.median(x.rps for x in runs["on"]) / statistics.median(
            x.rps for x in runs["off"]
        )
        pairs = [a.rps / b.rps for a, b in zip(runs["on"], runs["off"], strict=True)]
        print(
            f"  {kind}: create throughput, auditing on / off = {ratio:.2f} (target ≥ {TARGET});"
            f" per round: {', '.join(f'{p:.2f}' for p in pairs)},"
            f" median {statistics.median(pairs):.2f}"
        )
        return ratio


def _pg_up(url: str) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", f"import asyncio, asyncpg; asyncio.run(asyncpg.connect({url!r}))"],
        capture_output=True,
        check=False,
        timeout=10,
    )
    return probe.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("DCAAS_TEST_POSTGRES_URL", ""))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if args.pg_url and _pg_up(args.pg_url) else [])
    ratios = {kind: measure(kind, args) for kind in kinds}
    print("summary: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
