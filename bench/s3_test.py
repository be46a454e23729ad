"""Testing an S3 connection through the API versus asking S3 directly, in one run.

Starts moto's S3 on loopback (signature checking on) with a bucket of objects, and the dcaas
server (uvicorn, a temporary data directory, ``DCAAS_OUTBOUND_ALLOW=127.0.0.1/32``), then
times N iterations of

  (a) ``POST /api/v1/data-connections/actions/test`` for ``File_AmazonS3ConnectorV2``
      (resolve-host, connect, authenticate, reach-bucket, with a new boto3 client per call),
  (b) boto3 ``head_bucket`` + ``list_objects_v2`` on one reused client, and
  (c) the same with a new boto3 client per iteration (what (a) pays for inside),

and prints mean / p50 / p99 and the ratios. Run: ``python bench/s3_test.py [-n 100]``.
Everything binds 127.0.0.1 and stops when the run ends (each server also has a time cap).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connectors.drivers import servers  # noqa: E402 - after the path is set

if TYPE_CHECKING:
    from collections.abc import Callable

BUCKET = "dcaas-bench"
LIFETIME = 900  # seconds any server started here may live


def s3_client(moto: servers.Moto) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    )


def fill_bucket(moto: servers.Moto, objects: int) -> None:
    s3 = s3_client(moto)
    s3.create_bucket(Bucket=BUCKET)
    for i in range(objects):
        s3.put_object(Bucket=BUCKET, Key=f"data/part-{i:04}.csv", Body=b"id,v\n1,2\n")


def start_dcaas(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """The dcaas server in a child process, and an admin API key for it."""
    port = servers.closed_port()
    env = os.environ | {
        "DCAAS_DATA_DIR": str(data_dir),
        "DCAAS_OUTBOUND_ALLOW": "127.0.0.1/32",
        "DCAAS_RATE_LIMIT_ENABLED": "false",
        "DCAAS_BOOTSTRAP": "false",
        "DCAAS_HOST": "127.0.0.1",
        "DCAAS_PORT": str(port),
        "DCAAS_LOG_LEVEL": "WARNING",
    }
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "dcaas",
            "apikey",
            "create",
            "--tenant",
            "bench",
            "--user",
            "bench",
            "--admin",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        ["timeout", str(LIFETIME), sys.executable, "-m", "dcaas", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers.wait_port(port, timeout=30)
    return server, f"http://127.0.0.1:{port}", token


def timed(n: int, call: Callable[[], object]) -> list[float]:
    call()  # warm up: connections, imports, first-call caches
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def api_half(base: str, token: str, moto: servers.Moto, n: int) -> list[float] | str:
    body = {
        "dataSourceId": "File_AmazonS3ConnectorV2",
        "qName": "bench",
        "connectionProperties": {
            "accessKey": moto.access_key,
            "secretKey": moto.secret_key,
            "bucketName": BUCKET,
            "endpointUrl": moto.endpoint,
            "forcePathStyle": True,
            "region": "us-east-1",
        },
    }
    url = f"{base}/api/v1/data-connections/actions/test"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        first = client.post(url, json=body)
        if first.status_code in {404, 405}:
            return f"the endpoint is not there ({first.status_code}); API half not measured"
        if first.status_code != 200:
            return f"the endpoint answered {first.status_code}: {first.text[:300]}"

        def call() -> None:
            response = client.post(url, json=body)
            response.raise_for_status()

        return timed(n, call)


def direct_half(moto: servers.Moto, n: int, *, new_client: bool) -> list[float]:
    shared = s3_client(moto)

    def call() -> None:
        s3 = s3_client(moto) if new_client else shared
        s3.head_bucket(Bucket=BUCKET)
        s3.list_objects_v2(Bucket=BUCKET, Prefix="data/", Delimiter="/", MaxKeys=100)

    return timed(n, call)


def summary(name: str, ms: list[float]) -> float:
    ordered = sorted(ms)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    mean = statistics.fmean(ordered)
    print(f"{name:<44} mean {mean:8.2f} ms   p50 {p50:8.2f} ms   p99 {p99:8.2f} ms")
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--iterations", type=int, default=100)
    parser.add_argument("--objects", type=int, default=50)
    args = parser.parse_args()
    moto = servers.start_moto(lifetime=LIFETIME)
    dcaas = None
    try:
        fill_bucket(moto, args.objects)
        with tempfile.TemporaryDirectory(prefix="dcaas-bench-") as data_dir:
            dcaas, base, token = start_dcaas(Path(data_dir))
            api = api_half(base, token, moto, args.iterations)
            reused = direct_half(moto, args.iterations, new_client=False)
            fresh = direct_half(moto, args.iterations, new_client=True)
            report(args.iterations, api, reused, fresh)
    finally:
        if dcaas is not None:
            dcaas.terminate()
            dcaas.wait(timeout=10)
        servers.stop(moto.process)


def report(n: int, api: list[float] | str, reused: list[float], fresh: list[float]) -> None:
    print(f"S3 connection test, {n} iterations each, moto on loopback")
    direct = summary("direct: head_bucket + list_objects_v2", reused)
    direct_new = summary("direct, new boto3 client each time", fresh)
    if isinstance(api, str):
        print(f"{'API: POST .../actions/test':<44} {api}")
        return
    through_api = summary("API: POST .../actions/test", api)
    print(f"ratio API / direct (reused client): {through_api / direct:.2f}x")
    print(f"ratio API / direct (new client):    {through_api / direct_new:.2f}x")


if __name__ == "__main__":
    main()
