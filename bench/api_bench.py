"""API benchmarks: dcaas against a bare same-stack baseline, list paging deep in a big store, memory.

Run with ``make bench`` (or ``.venv/bin/python bench/api_bench.py``). Needs ``wrk`` on PATH
(``apt-get install wrk``) and, for the PostgreSQL parts, the server named by ``--pg-url``
(default: the local one with trust auth).

1. GET one connection and create one connection: throughput and p50/p99 latency of
   ``dcaas serve`` and of ``bench/baseline.py`` (a bare ASGI app doing one primary-key
   read / one insert on the same table and driver), each under the same ``wrk`` load, one
   after the other in one run, printed as ratios; on SQLite and on PostgreSQL.
2. List-page latency at the first page and deep (90% in) in a store of ``--rows``
   connections on PostgreSQL (keyset cursors should keep it flat).
3. Server memory (RSS) at rest and after the list benchmark.

Rate limits are turned off (``DCAAS_RATE_LIMIT_ENABLED=false``); logs at WARNING.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from dcaas.kit.paging import Cursor, Sort

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CREATE_LUA = """
local counter = 0
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
function init(args) prefix = "b" .. tid .. "-" .. math.random(1, 1000000000) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"dataSourceId":"rest","qName":"%s-%d","connectionProperties":{"url":"https://example.com/api"}}',
    prefix, counter)
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:  # noqa: PLR2004
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, args: argparse.Namespace, *, token: str | None = None, script: str | None = None
) -> Load:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += sum(int(g) for g in errors.groups()) if errors else 0
    return Load(rps, p50, p99, count)


@contextmanager
def process(
    cmd: list[str], env: dict[str, str], ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(ready_url)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def store(kind: str, pg_url: str) -> Iterator[tuple[str, Path]]:
    """A fresh data directory and database URL (a new PostgreSQL database when asked)."""
    data_dir = Path(tempfile.mkdtemp(prefix="dcaas-bench-"))
    name = "dcaas_bench_" + uuid.uuid4().hex[:10]
    try:
        if kind == "sqlite":
            yield f"sqlite:///{data_dir / 'dcaas.db'}", data_dir
        else:
            asyncio.run(_pg(pg_url, f'CREATE DATABASE "{name}"'))
            yield pg_url.rsplit("/", 1)[0] + "/" + name, data_dir
    finally:
        if kind != "sqlite":
            asyncio.run(_pg(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(data_dir, ignore_errors=True)


async def _pg(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def server_env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DCAAS_DATABASE_URL": db_url,
        "DCAAS_DATA_DIR": str(data_dir),
        "DCAAS_BOOTSTRAP": "false",
        "DCAAS_RATE_LIMIT_ENABLED": "false",
        "DCAAS_LOG_LEVEL": "WARNING",
        "DCAAS_ENV": "development",
    }


def api_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(BIN / "dcaas"), "apikey", "create", "--tenant", "bench", "--user", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def baseline_url(db_url: str) -> str:
    if db_url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + db_url.removeprefix("sqlite:///")
    return "postgresql+asyncpg://" + db_url.removeprefix("postgresql://")


def prepare_baseline_table(db_url: str) -> None:
    sql = "CREATE TABLE IF NOT EXISTS bench_baseline (id VARCHAR(64) PRIMARY KEY, name TEXT, payload TEXT)"
    if db_url.startswith("sqlite:///"):
        import sqlite3  # noqa: PLC0415

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
    else:
        asyncio.run(_pg(db_url, sql))


def compare(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """GET one and create: dcaas and the baseline on one store, one after the other."""
    figures: dict[str, float] = {}
    with store(kind, args.pg_url) as (db_url, data_dir):
        env = server_env(db_url, data_dir)
        subprocess.run([str(BIN / "dcaas"), "migrate"], env=env, check=True, capture_output=True)
        token = api_key(env)
        prepare_baseline_table(db_url)
        port = free_port()
        serve = [str(BIN / "dcaas"), "serve", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        with process(serve, env, f"{base}/health/live"):
            created = httpx.post(
                f"{base}/api/v1/data-connections",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "dataSourceId": "rest",
                    "qName": "seed",
                    "connectionProperties": {"url": "https://example.com/api"},
                },
            )
            created.raise_for_status()
            conn_id = created.json()["qID"] if "qID" in created.json() else created.json()["id"]
            lua = data_dir / "create.lua"
            lua.write_text(CREATE_LUA)
            wrk(f"{base}/api/v1/data-connections/{conn_id}", args, token=token)  # warm up
            get_dcaas = wrk(f"{base}/api/v1/data-connections/{conn_id}", args, token=token)
            create_dcaas = wrk(
                f"{base}/api/v1/data-connections", args, token=token, script=str(lua)
            )
        bport = free_port()
        benv = {**env, "BASELINE_DB_URL": baseline_url(db_url)}
        bcmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH),
            "baseline:app",
            "--port",
            str(bport),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        bbase = f"http://127.0.0.1:{bport}"
        with process(bcmd, benv, f"{bbase}/c/{conn_id}"):
            wrk(f"{bbase}/c/{conn_id}", args)  # warm up
            get_base = wrk(f"{bbase}/c/{conn_id}", args)
            create_base = wrk(f"{bbase}/c", args, script=str(lua))
    _print_pair(f"{kind}: GET one connection", get_dcaas, get_base)
    _print_pair(f"{kind}: create a connection", create_dcaas, create_base)
    figures[f"{kind}.get.rps_ratio"] = get_dcaas.rps / get_base.rps
    figures[f"{kind}.get.p99_ratio"] = get_dcaas.p99_ms / get_base.p99_ms
    figures[f"{kind}.create.rps_ratio"] = create_dcaas.rps / create_base.rps
    return figures


def _print_pair(title: str, ours: Load, base: Load) -> None:
    print(f"\n{title}")
    print(f"  {'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, load in (("dcaas", ours), ("baseline", base)):
        print(
            f"  {label:10} {load.rps:9.0f} {load.p50_ms:8.2f} {load.p99_ms:8.2f} {load.errors:7d}"
        )
    print(
        f"  ratio      {ours.rps / base.rps:9.2f} {ours.p50_ms / base.p50_ms:8.2f} "
        f"{ours.p99_ms / base.p99_ms:8.2f}   (throughput: dcaas/baseline; latency: dcaas/baseline)"
    )


async def fill(db_url: str, seed_id: str, rows: int) -> None:
    """Copy the seed connection ``rows`` times with names conn-00000001...; then ANALYZE."""
    conn = await asyncpg.connect(db_url)
    try:
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'connections' "
                "ORDER BY ordinal_position"
            )
        ]
        made = {
            "id": "md5(i::text || 'bench')",
            "name": "'conn-' || lpad(i::text, 8, '0')",
            "credential_id": "NULL",
        }
        select = ", ".join(made.get(c, f"c.{c}") for c in columns)
        step = 100_000
        for start in range(1, rows + 1, step):
            end = min(start + step - 1, rows)
            await conn.execute(
                f"INSERT INTO connections ({', '.join(columns)}) SELECT {select} "  # noqa: S608
                f"FROM connections c, generate_series({start}, {end}) i WHERE c.id = $1",
                seed_id,
            )
        await conn.execute("ANALYZE connections")
    finally:
        await conn.close()


def timed_gets(client: httpx.Client, url: str, params: dict[str, str], n: int) -> list[float]:
    client.get(url, params=params).raise_for_status()  # warm
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(url, params=params).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def deep_list(args: argparse.Namespace) -> dict[str, float]:
    """First page and a page 90% deep in a store of ``args.rows`` connections, on PostgreSQL."""
    with store("postgresql", args.pg_url) as (db_url, data_dir):
        env = server_env(db_url, data_dir)
        subprocess.run([str(BIN / "dcaas"), "migrate"], env=env, check=True, capture_output=True)
        token = api_key(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with (
            process(
                [str(BIN / "dcaas"), "serve", "--port", str(port)], env, f"{base}/health/live"
            ) as proc,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as client,
        ):
            seed = client.post(
                "/api/v1/data-connections",
                json={
                    "dataSourceId": "rest",
                    "qName": "seed",
                    "connectionProperties": {"url": "https://example.com/api"},
                },
            )
            seed.raise_for_status()
            client.get("/api/v1/data-connections", params={"limit": "20"}).raise_for_status()
            rest_mib = rss_mib(proc.pid)
            started = time.perf_counter()
            asyncio.run(fill(db_url, seed.json()["id"], args.rows))
            print(f"\nfilled {args.rows} connections in {time.perf_counter() - started:.0f} s")
            deep_name = f"conn-{int(args.rows * 0.9):08d}"
            deep_id = asyncio.run(_id_of(db_url, deep_name))
            cursor = Cursor(
                sort=Sort("qName", descending=False).token,
                value=deep_name,
                id=deep_id,
                direction="next",
            ).encode()
            url = "/api/v1/data-connections"
            first = timed_gets(client, url, {"limit": "20"}, args.list_requests)
            deep = timed_gets(client, url, {"limit": "20", "page": cursor}, args.list_requests)
            page = client.get(url, params={"limit": "20", "page": cursor}).json()
            assert page["data"][0]["qName"] > deep_name, "the deep cursor did not land deep"
            after_mib = rss_mib(proc.pid)
    p50_first, p50_deep = statistics.median(first), statistics.median(deep)
    p99_first = statistics.quantiles(first, n=100)[98]
    p99_deep = statistics.quantiles(deep, n=100)[98]
    print(
        f"\nlist page (limit 20) in {args.rows} connections on PostgreSQL, "
        f"{args.list_requests} sequential requests each"
    )
    print(f"  first page  p50 {p50_first:7.2f} ms   p99 {p99_first:7.2f} ms")
    print(f"  deep page   p50 {p50_deep:7.2f} ms   p99 {p99_deep:7.2f} ms   (at {deep_name})")
    print(f"  ratio deep/first p50 {p50_deep / p50_first:.2f}")
    print(
        f"\nserver memory (RSS): at rest {rest_mib:.1f} MiB, after the list benchmark "
        f"{after_mib:.1f} MiB"
    )
    return {
        "list.deep_over_first_p50": p50_deep / p50_first,
        "rss.rest_mib": rest_mib,
        "rss.after_list_mib": after_mib,
    }


async def _id_of(db_url: str, name: str) -> str:
    conn = await asyncpg.connect(db_url)
    try:
        value = await conn.fetchval("SELECT id FROM connections WHERE name = $1", name)
        return str(value)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="connections for the list bench"
    )
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--skip-compare", action="store_true", help="only the list benchmark")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "DCAAS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
    )
    figures: dict[str, float] = {}
    for kind in [] if args.skip_compare else args.stores.split(","):
        figures |= compare(kind.strip(), args)
    if not args.skip_list:
        figures |= deep_list(args)
    print("\nsummary")
    for key, value in figures.items():
        print(f"  {key:32} {value:8.2f}")


if __name__ == "__main__":
    main()
