"""The README as a script: its examples run as written, in order, against a fresh server.

The rules (the README's *The README is tested* says the same for its writers):

- Blocks fenced as ```sh, ```bash or ```python run; every other block (```text, a bare fence)
  is only shown. A block that cannot run here (it needs the internet, another host, or it
  never ends, like `make run`) goes in ```text, with the reason in the prose around it.
- The blocks run in the order they appear, in one bash session (`set -eo pipefail`), as a
  reader pasting them into one shell would: variables a block sets are seen by the blocks
  after it, and a command that exits non-zero fails the test. The session starts in a
  directory whose `.venv` is the venv running the tests, so `source .venv/bin/activate`
  works as it does in a checkout. A ```python block runs with that venv's Python, in the
  session's environment (what the blocks exported before it).
- Every `curl` must get a 2xx or 3xx answer. A comment line `# expect 400` (any status)
  makes the next `curl` of that block expect that status instead. The README's curls do not
  use `--write-out`: the test uses it to read the status.
- Before running, the test replaces what a reader would replace, and nothing else:
  `127.0.0.1:8080` by the server's address (a free port, as `make run ARGS='--port N'`
  would serve), `dcaas_...` by the admin key the server printed on first start, and
  `127.0.0.1:9000` by a local S3-compatible store (moto, with the bucket `my-bucket`).
- The server is started as `make run` starts it (`DCAAS_ENV=development dcaas serve`), on an
  empty store in a temporary `XDG_DATA_HOME` (the README's default data directory), with
  `XDG_CONFIG_HOME` there too so `dcaas login` does not touch the real config. The examples
  that use PostgreSQL use the local one as CI runs it (postgres@127.0.0.1:5432, database
  `test`).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RUN = {"sh", "bash", "python"}
FENCE = re.compile(r"^```(\S*)\s*$")
EXPECT = re.compile(r"^(\s*)#\s*expect\s+(\d{3})\b.*$")
TIMEOUT = 240.0  # seconds for every block together

PRELUDE = (Path(__file__).parent / "readme_prelude.sh").read_text()


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # where its first line is in README.md (1-based)
    text: str


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    found: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        start, i = i + 1, i + 1
        while i < len(lines) and lines[i].rstrip() != "```":
            i += 1
        found.append(Block(opening.group(1), start + 1, "\n".join(lines[start:i]) + "\n"))
        i += 1
    return found


def runnable(markdown: str) -> list[Block]:
    return [b for b in blocks(markdown) if b.language in RUN]


def substitute(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def shell(block: str) -> str:
    """A shell block with its `# expect NNN` comments made into the status the curl checks."""
    return "\n".join(EXPECT.sub(r"\1README_EXPECT=\2", line) for line in block.splitlines()) + "\n"


def script(found: list[Block], values: dict[str, str], work: Path) -> str:
    """One bash script: the prelude, then each block, each announced in the state file."""
    parts = [PRELUDE]
    for n, block in enumerate(found, 1):
        body = substitute(block.text, values)
        parts.append(f"printf '%s\\n' {n} > \"$README_STATE\"")
        parts.append(f'printf \'%s %s\\n\' {n} "$(date +%s.%N)" >> "$README_STATE.times"')
        if block.language == "python":
            path = work / f"block-{n:02}.py"
            path.write_text(body)
            parts.append(f'"$README_PYTHON" {shlex.quote(str(path))}')
        else:
            parts.append(shell(body))
    parts.append("printf 'done\\n' > \"$README_STATE\"")
    return "\n".join(parts) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_environment(home: Path) -> dict[str, str]:
    """The reader's environment: no DCAAS_* setting, data and config under a fresh home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCAAS_")}
    env.pop("VIRTUAL_ENV", None)
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def s3_store() -> Iterator[str]:
    """A local S3-compatible store (moto, any keys) with the README's bucket, `my-bucket`."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="minioadmin",
        aws_secret_access_key="minioadmin",
    ).create_bucket(Bucket="my-bucket")
    yield f"{host}:{port}"
    server.stop()


@dataclass(frozen=True)
class Served:
    address: str
    key: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`dcaas serve` as `make run` runs it, on a free port and an empty store; its printed key."""
    port = free_port()
    env = clean_environment(tmp_path) | {"DCAAS_ENV": "development"}
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "dcaas", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"dcaas serve did not start:\n{log.read()[-4000:]}")
            try:
                if httpx.get(f"http://{address}/health/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        log.seek(0)
        printed = re.search(r"DCAAS_TOKEN=(dcaas_\S+)", log.read())
        assert printed, "the first start printed no admin key"
        yield Served(address, printed.group(1))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _postgres_ready() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def test_readme_blocks_run_in_order(served: Served, s3_store: str, tmp_path: Path) -> None:
    """Every sh, bash and python block of the README runs in order and succeeds."""
    if not _postgres_ready():
        if os.environ.get("DCAAS_REQUIRE_POSTGRES") == "1":
            pytest.fail("the README's PostgreSQL examples need PostgreSQL on 127.0.0.1:5432")
        pytest.skip("the README's PostgreSQL examples need PostgreSQL on 127.0.0.1:5432")
    found = runnable(README.read_text())
    work = tmp_path / "reader"
    work.mkdir()
    (work / ".venv").symlink_to(Path(sys.prefix))
    values = {
        "127.0.0.1:8080": served.address,
        "dcaas_...": served.key,
        "127.0.0.1:9000": s3_store,
    }
    state = tmp_path / "current-block"
    env = clean_environment(tmp_path) | {
        "README_STATE": str(state),
        "README_PYTHON": sys.executable,
    }
    (tmp_path / "readme.sh").write_text(script(found, values, tmp_path))
    reader = subprocess.Popen(
        ["bash", str(tmp_path / "readme.sh")],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: whatever a block leaves running ends
    )
    try:
        stdout, stderr = reader.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the README's blocks took more than {TIMEOUT} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(reader.pid, signal.SIGKILL)
        reader.wait()
    run = subprocess.CompletedProcess(reader.args, reader.returncode, stdout, stderr)
    times = Path(f"{state}.times")
    started = times.read_text() if times.exists() else ""  # "block epoch-seconds" lines
    reached = state.read_text().strip() if state.exists() else "0"
    if run.returncode != 0 or reached != "done":
        block = found[int(reached) - 1] if reached.isdigit() and reached != "0" else None
        where = f"the {block.language} block at README.md line {block.line}" if block else reached
        pytest.fail(
            f"{where} failed (exit {run.returncode}):\n"
            f"{block.text if block else ''}\n--- stdout (end) ---\n{run.stdout[-3000:]}"
            f"\n--- stderr (end) ---\n{run.stderr[-3000:]}\n--- blocks started at ---\n{started}"
        )


def test_blocks_are_found_with_their_languages() -> None:
    """The extractor sees fenced blocks with their info strings and README line numbers."""
    text = "intro\n```sh\necho a\n```\n\n```text\nnot run\n```\n```python\nprint(1)\n```\n"
    assert [(b.language, b.line, b.text) for b in blocks(text)] == [
        ("sh", 3, "echo a\n"),
        ("text", 7, "not run\n"),
        ("python", 10, "print(1)\n"),
    ]
    assert [b.language for b in runnable(text)] == ["sh", "python"]


def test_expect_comment_sets_the_next_curls_status() -> None:
    """`# expect 400` becomes the status the next curl must answer."""
    assert shell("  # expect 400: the change is refused\ncurl x\n") == (
        "  README_EXPECT=400\ncurl x\n"
    )


class _Answers(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404 if self.path == "/missing" else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_curl_check_fails_on_an_unexpected_status(tmp_path: Path) -> None:
    """The curl check fails a 404 unless the block expected it, and passes a 2xx."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def run(body: str) -> int:
        path = tmp_path / "s.sh"
        path.write_text(PRELUDE + shell(body))
        return subprocess.run(["bash", str(path)], check=False, capture_output=True).returncode

    try:
        assert run(f"curl -s {url}/ok\n") == 0
        assert run(f"curl -s {url}/missing\n") == 92
        assert run(f"# expect 404\ncurl -s {url}/missing\n") == 0
        assert run(f"# expect 404\ncurl -s {url}/ok\n") == 91
    finally:
        server.shutdown()
