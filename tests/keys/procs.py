"""Real dcaas processes for the key tests: the CLI and ``dcaas serve`` on 127.0.0.1.

Every child asks the kernel to kill it when the test process dies, so an interrupted run
leaves no server behind; fixtures also stop them explicitly.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dcaas.config import Settings

DCAAS = str(Path(sys.executable).with_name("dcaas"))
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a dcaas process at the same store as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCAAS_")}
    env.update(
        DCAAS_DATA_DIR=str(settings.data_dir),
        DCAAS_BOOTSTRAP="false",
        DCAAS_RATE_LIMIT_ENABLED="false",
        DCAAS_LOG_LEVEL="WARNING",
        DCAAS_ALLOWED_HOSTS="127.0.0.1",  # a production dcaas serve needs it (or a public URL)
    )
    if settings.database_url:
        env["DCAAS_DATABASE_URL"] = settings.database_url
    env.update(extra)
    return env


def spawn(env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    out = log.open("w") if log else subprocess.PIPE
    return subprocess.Popen(
        [DCAAS, *args],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``dcaas ARGS`` to completion (two minutes at most); stdout and stderr together."""
    proc = spawn(env, *args)
    try:
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, "")
    if check:
        assert proc.returncode == 0, out
    return result


def api_key(env: dict[str, str], tenant: str = "t", user: str = "u") -> str:
    """`dcaas apikey create` prints the key alone on its last line."""
    return cli(env, "apikey", "create", "--tenant", tenant, "--user", user).stdout.split()[-1]


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """``dcaas serve`` on a free port; yields its base URL once it answers, stops it after."""
    port = free_port()
    proc = spawn(env, "serve", "--host", "127.0.0.1", "--port", str(port), log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "dcaas serve did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
