"""API benchmarks: dcaas against the raw-driver floor (bench/floor.py), printed as ratios.

Run with ``make bench`` (or ``.venv/bin/python bench/api_bench.py``). Needs ``wrk``
(``apt-get install wrk``), the local PostgreSQL (``--pg-url``) and, for the PostgreSQL parts,
Redis (``--redis-url``): dcaas runs as the README recommends for production, with JSON access
logs at INFO (to a file), metrics, and rate limits on (counted in memory on SQLite, in Redis
on PostgreSQL) at Qlik's default tiers. The load comes from ``--keys`` users (tenant admins,
one API key each) in turn, so that no user passes the tiers: many callers, as in production.

1. GET one connection, SQLite and PostgreSQL: dcaas and the floor alternately, ``--rounds``
   times each, ``wrk -t1 -c32``; the ratios use the median of the rounds.
2. Create one connection with a secret (sealed) against the floor's one-row insert.
3. ``dcaas serve --workers 2`` against ``--workers 1`` on GET one (PostgreSQL and Redis).
4. A list page, first and 90% deep, in ``--rows`` connections on PostgreSQL, against the
   floor's bare keyset query over the same index (``wrk -t1 -c1``: latency, not load).
5. The server's memory (RSS) at rest and after (4).

The machine is shared and small (wrk, the servers and PostgreSQL share its cores): read the
ratios of each run, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx

from dcaas.bootstrap import create_key
from dcaas.kit.db import create_engine, session_factory
from dcaas.kit.paging import Cursor, Sort

if TYPE_CHECKING:
    from collections.abc import Iterator

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SECRET_HEADER = '{"name":"Authorization","value":"Bearer s3cr3t-%d","encrypt":true}'  # noqa: S105 - a made-up value
CREATE_BODY = (
    '{"dataSourceId":"rest","qName":"%s-%d","connectionProperties":'
    '{"url":"https://example.com/api","queryHeaders":[' + SECRET_HEADER + "]}}"
)
# Each request goes out with the next user's key; POST bodies get a unique name.
LUA = """
local keys = {}
local i = 0
local counter = 0
local prefix = ""
function init(args)
  for line in io.lines("%(keys)s") do keys[#keys + 1] = line end
  math.randomseed(os.time() + math.random(1, 100000))
  i = math.random(1, #keys)
  prefix = "b" .. math.random(1, 1000000000)
end
request = function()
  i = i %% #keys + 1
  local headers = {["Authorization"] = "Bearer " .. keys[i]}
  if "%(method)s" == "POST" then
    counter = counter + 1
    headers["Content-Type"] = "application/json"
    local body = string.format('%(body)s', prefix, counter, counter)
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET", nil, headers)
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def median_load(loads: list[Load]) -> Load:
    return Load(
        statistics.median(x.rps for x in loads),
        statistics.median(x.p50_ms for x in loads),
        statistics.median(x.p99_ms for x in loads),
        sum(x.errors for x in loads),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server behind {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def rss_mib(pid: int) -> float:
    """The resident memory of a process and its children (uvicorn's workers)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children (the workers)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int, script: Path) -> Load:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += sum(int(g) for g in errors.groups()) if errors else 0
    return Load(rps, p50, p99, count)


@contextmanager
def process(cmd: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[int]:
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out)
        try:
            wait_ready(ready_url, proc)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class Store:
    kind: str
    url: str  # as DCAAS_DATABASE_URL takes it
    data_dir: Path

    @property
    def pg(self) -> bool:
        return self.kind == "postgresql"


@contextmanager
def fresh_store(kind: str, pg_url: str) -> Iterator[Store]:
    """A new data directory, and a new PostgreSQL database when asked."""
    data_dir = Path(tempfile.mkdtemp(prefix="dcaas-bench-"))
    name = "dcaas_bench_" + uuid.uuid4().hex[:10]
    try:
        if kind == "sqlite":
            yield Store(kind, f"sqlite:///{data_dir / 'dcaas.db'}", data_dir)
        else:
            asyncio.run(_pg(pg_url, f'CREATE DATABASE "{name}"'))
            yield Store(kind, pg_url.rsplit("/", 1)[0] + "/" + name, data_dir)
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


def server_env(store: Store, key: str, redis_url: str) -> dict[str, str]:
    """The environment ``dcaas serve`` gets: the production profile the README recommends
    (JSON logs at INFO, rate limits; Redis on PostgreSQL). tests/bench checks that it serves."""
    env = {
        **os.environ,
        "DCAAS_DATABASE_URL": store.url,
        "DCAAS_DATA_DIR": str(store.data_dir),
        "DCAAS_ENV": "production",
        "DCAAS_ALLOWED_HOSTS": "127.0.0.1",  # production trusts no Host header by default
        "DCAAS_BOOTSTRAP": "false",
        "DCAAS_ENCRYPTION_KEY": key,
        "DCAAS_LOG_FORMAT": "json",
        "DCAAS_LOG_LEVEL": "INFO",
        "DCAAS_RATE_LIMIT_ENABLED": "true",
        "FLOOR_DB_URL": store.url,
    }
    for name in ("DCAAS_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "DCAAS_RATE_LIMIT_TIER1"):
        env.pop(name, None)
    if store.pg:
        env["DCAAS_REDIS_URL"] = redis_url
        env["DCAAS_RATE_LIMIT_PREFIX"] = "dcaas-bench-" + uuid.uuid4().hex[:8]
    return env


class Bench:
    """One store prepared for dcaas and the floor: schema, keys, a seed connection."""

    def __init__(self, store: Store, args: argparse.Namespace, stack: ExitStack) -> None:
        self.store = store
        self.args = args
        self.stack = stack
        self.key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.env = server_env(store, self.key, args.redis_url)
        subprocess.run(
            [str(BIN / "dcaas"), "migrate"], env=self.env, check=True, capture_output=True
        )
        self.keys = asyncio.run(self._keys(args.keys))
        self.keyfile = store.data_dir / "keys.txt"
        self.keyfile.write_text("\n".join(self.keys) + "\n")

    async def _keys(self, count: int) -> list[str]:
        url = self.store.url
        if url.startswith("sqlite:///"):
            url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        else:
            url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            return [
                (await create_key(sessions, tenant="bench", user=f"u{i}", admin=True)).token
                for i in range(count)
            ]
        finally:
            await engine.dispose()

    def script(self, method: str) -> Path:
        path = self.store.data_dir / f"{method.lower()}.lua"
        path.write_text(LUA % {"keys": self.keyfile, "method": method, "body": CREATE_BODY})
        return path

    def dcaas(self, *, workers: int = 1) -> str:
        """Start ``dcaas serve``; its base URL. Stopped with the bench's exit stack."""
        port = free_port()
        env = dict(self.env)
        if workers > 1:
            metrics = self.store.data_dir / f"metrics-{port}"
            metrics.mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        cmd = [str(BIN / "dcaas"), "serve", "--port", str(port), "--workers", str(workers)]
        base = f"http://127.0.0.1:{port}"
        log = self.store.data_dir / "dcaas.log"
        self.pid = self.stack.enter_context(process(cmd, env, f"{base}/health/live", log))
        return base

    def floor(self) -> str:
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH),
            "floor:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        base = f"http://127.0.0.1:{port}"
        log = self.store.data_dir / "floor.log"
        self.stack.enter_context(process(cmd, self.env, f"{base}/c/none", log))
        return base

    def seed(self, base: str, *, shared: bool = False) -> str:
        """One connection; in a shared space (which every admin lists) when asked."""
        auth = {"Authorization": f"Bearer {self.keys[0]}"}
        body: dict[str, object] = {
            "dataSourceId": "rest",
            "qName": "seed",
            "connectionProperties": {"url": "https://example.com/api"},
        }
        if shared:
            space = httpx.post(
                f"{base}/api/v1/spaces", headers=auth, json={"name": "bench", "type": "shared"}
            )
            space.raise_for_status()
            body["spaceId"] = space.json()["id"]
        created = httpx.post(f"{base}/api/v1/data-connections", headers=auth, json=body)
        created.raise_for_status()
        return str(created.json()["qID"])

    def alternate(self, ours: str, floor: str, method: str) -> tuple[Load, Load]:
        """wrk on dcaas, then on the floor, ``--rounds`` times; the median of each."""
        script = self.script(method)
        seconds, connections = self.args.duration, self.args.connections
        wrk(ours, max(2, seconds // 2), connections, script)  # warm up: caches, pools
        wrk(floor, max(2, seconds // 2), connections, script)
        dcaas_runs, floor_runs = [], []
        for _ in range(self.args.rounds):
            dcaas_runs.append(wrk(ours, seconds, connections, script))
            floor_runs.append(wrk(floor, seconds, connections, script))
        for label, runs in (("dcaas", dcaas_runs), ("floor", floor_runs)):
            print(f"    {label:6} rounds req/s: " + ", ".join(f"{r.rps:.0f}" for r in runs))
        return median_load(dcaas_runs), median_load(floor_runs)


def compare(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """GET one and create one: dcaas and the floor on one store, alternately."""
    figures: dict[str, float] = {}
    with fresh_store(kind, args.pg_url) as store, ExitStack() as stack:
        bench = Bench(store, args, stack)
        ours, floor = bench.dcaas(), bench.floor()
        conn_id = bench.seed(ours)
        print(f"\n{kind}: GET one connection")
        get = bench.alternate(
            f"{ours}/api/v1/data-connections/{conn_id}", f"{floor}/c/{conn_id}", "GET"
        )
        _print_pair(*get)
        print(f"\n{kind}: create one connection (a sealed secret) vs one insert")
        create = bench.alternate(f"{ours}/api/v1/data-connections", f"{floor}/c", "POST")
        _print_pair(*create)
    figures[f"{kind}.get.rps_ratio"] = get[0].rps / get[1].rps
    figures[f"{kind}.get.p99_ratio"] = get[0].p99_ms / get[1].p99_ms
    figures[f"{kind}.create.rps_ratio"] = create[0].rps / create[1].rps
    return figures


def _print_pair(ours: Load, floor: Load, labels: tuple[str, str] = ("dcaas", "floor")) -> None:
    print(f"    {'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, load in zip(labels, (ours, floor), strict=True):
        print(
            f"    {label:10} {load.rps:9.0f} {load.p50_ms:8.2f} {load.p99_ms:8.2f} {load.errors:7d}"
        )
    print(
        f"    {'ratio':10} {ours.rps / floor.rps:9.2f} {ours.p50_ms / floor.p50_ms:8.2f} "
        f"{ours.p99_ms / floor.p99_ms:8.2f}"
    )


def workers(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """GET one with ``--workers 2`` and ``--workers 1``, alternately, and the cores each used."""
    with fresh_store(kind, args.pg_url) as store, ExitStack() as stack:
        bench = Bench(store, args, stack)
        one = bench.dcaas(workers=1)
        one_pid = bench.pid
        two = bench.dcaas(workers=2)
        two_pid = bench.pid
        conn_id = bench.seed(one)
        path = f"/api/v1/data-connections/{conn_id}"
        script = bench.script("GET")
        servers = (("2 workers", f"{two}{path}", two_pid), ("1 worker", f"{one}{path}", one_pid))
        for _, url, _ in servers:
            wrk(url, max(2, args.duration // 2), args.connections, script)  # warm up
        runs: dict[str, list[Load]] = {label: [] for label, _, _ in servers}
        cores: dict[str, list[float]] = {label: [] for label, _, _ in servers}
        for _ in range(args.rounds):
            for label, url, pid in servers:
                before = cpu_seconds(pid)
                runs[label].append(wrk(url, args.duration, args.connections, script))
                cores[label].append((cpu_seconds(pid) - before) / args.duration)
    print(f"\n{kind}: GET one connection, dcaas serve --workers 2 vs --workers 1")
    for label, loads in runs.items():
        rounds = ", ".join(f"{r.rps:.0f}" for r in loads)
        used = statistics.median(cores[label])
        print(f"    {label:9} rounds req/s: {rounds}; server CPU {used:.2f} cores")
    two_load, one_load = median_load(runs["2 workers"]), median_load(runs["1 worker"])
    _print_pair(two_load, one_load, ("2 workers", "1 worker"))
    return {
        f"{kind}.workers2_over_1": two_load.rps / one_load.rps,
        f"{kind}.workers2_cores": statistics.median(cores["2 workers"]),
        f"{kind}.workers1_cores": statistics.median(cores["1 worker"]),
    }


async def fill(db_url: str, seed_id: str, rows: int) -> None:
    """``rows`` copies of the seed connection (names conn-00000001...), made by PostgreSQL
    itself: the secondary indexes are dropped, the rows inserted in one statement from
    generate_series, and the indexes built again (much faster than maintaining them)."""
    conn = await asyncpg.connect(db_url)
    try:
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'connections' ORDER BY ordinal_position"
            )
        ]
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'connections' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        made = {
            "id": "md5(i::text || 'bench')",
            "name": "'conn-' || lpad(i::text, 8, '0')",
            "credential_id": "NULL",
        }
        select = ", ".join(made.get(c, f"c.{c}") for c in columns)
        async with conn.transaction():
            for index in indexes:
                await conn.execute(f'DROP INDEX "{index["indexname"]}"')
            await conn.execute(
                f"INSERT INTO connections ({', '.join(columns)}) SELECT {select} "  # noqa: S608
                f"FROM connections c, generate_series(1, {rows}) i WHERE c.id = $1",
                seed_id,
            )
            for index in indexes:
                await conn.execute(index["indexdef"])
        await conn.execute("ANALYZE connections")
    finally:
        await conn.close()


async def _row(db_url: str, name: str) -> tuple[str, str]:
    conn = await asyncpg.connect(db_url)
    try:
        row = await conn.fetchrow("SELECT id, tenant_id FROM connections WHERE name = $1", name)
        return str(row["id"]), str(row["tenant_id"])
    finally:
        await conn.close()


def deep_list(args: argparse.Namespace) -> dict[str, float]:
    """First and 90%-deep pages in ``args.rows`` connections on PostgreSQL, and memory."""
    with fresh_store("postgresql", args.pg_url) as store, ExitStack() as stack:
        bench = Bench(store, args, stack)
        ours, floor = bench.dcaas(), bench.floor()
        seed = bench.seed(ours, shared=True)
        rest_mib = rss_mib(bench.pid)
        started = time.perf_counter()
        asyncio.run(fill(store.url, seed, args.rows))
        print(f"\nfilled {args.rows} connections in {time.perf_counter() - started:.0f} s")
        deep_name = f"conn-{int(args.rows * 0.9):08d}"
        deep_id, tenant = asyncio.run(_row(store.url, deep_name))
        cursor = Cursor(Sort("qName", descending=False).token, deep_name, deep_id, "next")
        script = bench.script("GET")
        seconds = args.duration
        pages = {
            "dcaas first": f"{ours}/api/v1/data-connections?limit=20",
            "dcaas deep": f"{ours}/api/v1/data-connections?limit=20&page={cursor.encode()}",
            "floor first": f"{floor}/l?tenant={tenant}",
            "floor deep": f"{floor}/l?tenant={tenant}&name={deep_name}&id={deep_id}",
        }
        page = httpx.get(pages["dcaas deep"], headers={"Authorization": f"Bearer {bench.keys[0]}"})
        assert page.json()["data"][0]["qName"] > deep_name, "the deep cursor did not land deep"
        for url in pages.values():
            wrk(url, 2, 1, script)  # warm up
        runs: dict[str, list[Load]] = {label: [] for label in pages}
        for _ in range(args.rounds):
            for label, url in pages.items():
                runs[label].append(wrk(url, seconds, 1, script))
        loads = {label: median_load(r) for label, r in runs.items()}
        after_mib = rss_mib(bench.pid)
    print(f"\nlist page (limit 20) in {args.rows} connections on PostgreSQL, wrk -c1 (latency)")
    for label, load in loads.items():
        latency = f"p50 {load.p50_ms:7.2f} ms   p99 {load.p99_ms:7.2f} ms"
        print(f"    {label:12} {latency}   {load.rps:6.0f} req/s   {load.errors} errors")
    first = loads["dcaas first"].p50_ms / loads["floor first"].p50_ms
    deep = loads["dcaas deep"].p50_ms / loads["floor deep"].p50_ms
    print(f"    dcaas/floor p50: first {first:.2f}, deep {deep:.2f}")
    print(
        f"    dcaas deep/first p50: {loads['dcaas deep'].p50_ms / loads['dcaas first'].p50_ms:.2f}"
    )
    print(f"\nserver memory (RSS): at rest {rest_mib:.1f} MiB, after the list {after_mib:.1f} MiB")
    return {
        "list.first_over_floor_p50": first,
        "list.deep_over_floor_p50": deep,
        "list.deep_over_first_p50": loads["dcaas deep"].p50_ms / loads["dcaas first"].p50_ms,
        "rss.rest_mib": rest_mib,
        "rss.after_list_mib": after_mib,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of dcaas and floor")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--keys", type=int, default=500, help="users (API keys) in the load")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000, help="connections listed")
    parser.add_argument(
        "--only", default="compare,workers,list", help="which parts: compare, workers, list"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "DCAAS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("DCAAS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    parts = {p.strip() for p in args.only.split(",")}
    stores = [s.strip() for s in args.stores.split(",")]
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, wrk -t1 "
        f"-c{args.connections} -d{args.duration}s x {args.rounds} rounds, {args.keys} users"
    )
    figures: dict[str, float] = {}
    if "compare" in parts:
        for kind in stores:
            figures |= compare(kind, args)
    if "workers" in parts:
        for kind in stores:
            figures |= workers(kind, args)
    if "list" in parts:
        figures |= deep_list(args)
    print("\nsummary (targets: get.rps_ratio >= 0.5, get.p99_ratio <= 3, create.rps_ratio >= 0.4,")
    print("  list over floor <= 1.5, deep over first <= 1.2, workers2_over_1 >= 1.7, RSS <= 150)")
    for key, value in figures.items():
        print(f"  {key:32} {value:8.2f}")


if __name__ == "__main__":
    main()
