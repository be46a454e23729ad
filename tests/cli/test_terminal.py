"""The installed ``dcaas`` executable in a real pseudo-terminal: the key typed at login and
the secrets typed at the create prompts are never echoed, never in the terminal output,
and never written under HOME (except the key, in the 0600 config file)."""

from __future__ import annotations

import os
import pty
import select
import signal
import stat
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from tests import log_guard

if TYPE_CHECKING:
    from tests.live import Live

DCAAS = Path(sys.executable).parent / "dcaas"


def _read_until(fd: int, marker: bytes | None, deadline: float) -> bytes:
    """What the terminal shows until ``marker`` appears (or, for None, until the end)."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return seen
        if not chunk:
            return seen
        seen += chunk
        if marker is not None and marker in seen:
            return seen
    raise AssertionError(f"timed out waiting for {marker!r}; saw {seen[-300:]!r}")


def _run(argv: list[str], env: dict[str, str], answers: list[tuple[bytes, str]]) -> tuple[int, str]:
    """Run a command in a pty, answering each prompt; return its exit code and the screen.

    A prompt counts as shown at its final ": ", which getpass writes after turning echo
    off; typing earlier (type-ahead) would be echoed by the terminal, as in any shell.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as in a shell
        os.execve(argv[0], argv, env)  # noqa: S606
    deadline = time.monotonic() + 30
    screen = b""
    try:
        for prompt, answer in answers:
            screen += _read_until(fd, prompt, deadline)
            os.write(fd, answer.encode() + b"\r")
        screen += _read_until(fd, None, deadline)
    finally:
        status = _reap(pid)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), screen.decode(errors="replace")


def _reap(pid: int, grace: float = 10) -> int:
    """The child's wait status; a child still running after ``grace`` seconds (stuck at a
    prompt after a failed assertion) is killed."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _files_containing(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_secrets_typed_in_a_terminal_stay_secret(live: Live, home: Path) -> None:
    """login and create in a pty: hidden input, clean screen, nothing on disk but the config."""
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "COLUMNS": "200",
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm",
    }
    code, screen = _run([str(DCAAS), "login", "--url", live.url], env, [(b"API key: ", live.alice)])
    assert code == 0, screen
    assert live.alice not in screen
    config = home / ".config" / "dcaas" / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

    access, secret, name = "tty-access-Hh2", "tty-secret-Jj8", f"tty-{uuid.uuid4().hex[:6]}"
    log_guard.remember(access, secret)
    argv = [
        str(DCAAS),
        "connections",
        "create",
        "--source",
        "File_AmazonS3ConnectorV2",
        "--name",
        name,
        "--set",
        "bucketName=tty-bucket",
    ]
    code, screen = _run(argv, env, [(b"key id): ", access), (b"secret access key): ", secret)])
    assert code == 0, screen
    assert "created" in screen
    assert "secretKey" in screen  # the prompt was shown ...
    assert secret not in screen  # ... and what was typed was not echoed
    assert access not in screen
    for typed in (secret, access):
        assert _files_containing(home, typed) == []
    assert _files_containing(home, live.alice) == [config]
