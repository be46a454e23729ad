"""The server-side commands (migrate, apikey, keys, serve) as a user runs them: the installed
``dcaas`` in a subprocess, from directories other than the server's, with a fresh HOME.

They find one store from anywhere; only serve and migrate create it; an expected failure is
one line and a hint on stderr, with its own exit code, and never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from dcaas.app import create_app
from dcaas.config import Settings
from dcaas.exits import ADDRESS_IN_USE, CONFIG, NO_STORE, STORE_UNREACHABLE

DCAAS = str(Path(sys.executable).parent / "dcaas")


class User:
    """Runs ``dcaas`` as a user whose HOME and XDG data dir are fresh, from a chosen directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.data = self.home / ".local" / "share" / "dcaas"  # the default store's directory
        self.home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DCAAS_", "XDG_"))}
        self.env |= {"HOME": str(self.home), "DCAAS_LOG_LEVEL": "WARNING", "COLUMNS": "200"}

    def run(
        self, *args: str, cwd: str = "elsewhere", **env: str
    ) -> subprocess.CompletedProcess[str]:
        where = self.root / cwd
        where.mkdir(exist_ok=True)
        return subprocess.run(
            [DCAAS, *args],
            cwd=where,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def one_error(result: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """The error line and the hint line: the whole of stderr, and no traceback."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("hint: ")
    return lines[0], lines[1]


@pytest.fixture
def user(tmp_path: Path) -> User:
    return User(tmp_path)


def test_apikey_without_a_store_refuses_and_creates_nothing(user: User) -> None:
    """No store yet: exit 7, the store it looked for, how to point elsewhere; no ./data."""
    result = user.run("apikey", "create", "--tenant", "default", "--user", "carol")
    assert result.returncode == NO_STORE
    error, hint = one_error(result)
    assert str(user.data / "dcaas.db") in error
    assert "DCAAS_DATA_DIR" in hint
    assert result.stdout == ""
    assert not user.data.exists()
    assert not (user.root / "elsewhere" / "data").exists()


def test_keys_status_without_a_store_refuses_without_traceback(user: User) -> None:
    """`dcaas keys status` with no store: exit 7, one line and a hint, nothing created."""
    result = user.run("keys", "status")
    assert result.returncode == NO_STORE
    one_error(result)
    assert not user.data.exists()
    assert not (user.root / "elsewhere" / "data").exists()


def test_commands_from_other_directories_share_one_store(user: User) -> None:
    """migrate in one directory, apikey create in another: the key opens the same store."""
    migrated = user.run("migrate", cwd="server")
    assert migrated.returncode == 0, migrated.stderr
    assert str(user.data / "dcaas.db") in migrated.stdout
    made = user.run("apikey", "create", "--tenant", "default", "--user", "carol", cwd="other")
    assert made.returncode == 0, made.stderr
    token = made.stdout.split()[-1]
    assert str(user.data / "dcaas.db") in made.stderr  # it says which store it used

    async def answer() -> int:
        app = create_app(Settings(data_dir=user.data, public_url="http://t"))
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                headers = {"Authorization": f"Bearer {token}"}
                return (await client.get("/api/v1/data-sources", headers=headers)).status_code
        finally:
            await app.state.dcaas.engine.dispose()

    assert asyncio.run(answer()) == 200  # the app's start also made the key file
    status = user.run("keys", "status", cwd="third")
    assert status.returncode == 0, status.stderr
    assert "active" in status.stdout


def test_keys_status_without_key_file_says_where_it_looked(user: User) -> None:
    """A migrated store whose server never started has no keys.json: exit 7, named."""
    assert user.run("migrate").returncode == 0
    result = user.run("keys", "status")
    assert result.returncode == NO_STORE
    error, _ = one_error(result)
    assert str(user.data / "keys.json") in error
    assert not (user.data / "keys.json").exists()


def test_outdated_store_asks_for_migrate(user: User) -> None:
    """A store an older dcaas made (revision 0002) is named, with `dcaas migrate` as the fix."""
    from dcaas.kit.migrate import upgrade  # noqa: PLC0415

    user.data.mkdir(parents=True)
    upgrade(Settings(data_dir=user.data).async_database_url, "0002")
    result = user.run("apikey", "create", "--tenant", "t", "--user", "u")
    assert result.returncode == NO_STORE
    error, hint = one_error(result)
    assert "0002" in error
    assert "dcaas migrate" in hint


def test_invalid_setting_is_one_line_naming_the_variable(user: User) -> None:
    """A bad DCAAS_OUTBOUND_ALLOW stops migrate with exit 6 and names the variable."""
    result = user.run("migrate", DCAAS_OUTBOUND_ALLOW="10.0.0.0/33")
    assert result.returncode == CONFIG
    error, _ = one_error(result)
    assert "DCAAS_OUTBOUND_ALLOW" in error
    assert not user.data.exists()


def test_unreachable_database_is_its_own_exit_code(user: User) -> None:
    """apikey create against a PostgreSQL URL where nothing listens: exit 8, one line."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://dcaas@127.0.0.1:{port}/dcaas"
    result = user.run("apikey", "create", "--tenant", "t", "--user", "u", DCAAS_DATABASE_URL=url)
    assert result.returncode == STORE_UNREACHABLE
    error, hint = one_error(result)
    assert f"127.0.0.1:{port}" in error
    assert "DCAAS_DATABASE_URL" in hint


def test_serve_on_a_taken_port_says_how_to_pick_another(user: User) -> None:
    """The port in use: exit 9 before anything is created, naming ARGS and DCAAS_PORT; the
    development profile announces itself first."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = user.run("serve", "--port", str(port), DCAAS_ENV="development")
    assert result.returncode == ADDRESS_IN_USE
    assert "Traceback" not in result.stderr
    assert "WARNING" in result.stderr
    assert "development profile" in result.stderr
    assert f"error: port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run ARGS='--port" in result.stderr
    assert "DCAAS_PORT=" in result.stderr
    assert not user.data.exists()


def test_apikey_create_engine_makes_an_engine_key(user: User) -> None:
    """`dcaas apikey create --engine` makes a key the engine endpoints accept; without the
    flag the same user's key gets 403 DCAAS-5040."""
    assert user.run("migrate").returncode == 0
    made = user.run("apikey", "create", "--tenant", "default", "--user", "reloader", "--engine")
    assert made.returncode == 0, made.stderr
    assert "(engine)" in made.stdout
    engine_token = made.stdout.split()[-1]
    plain = user.run("apikey", "create", "--tenant", "default", "--user", "reloader")
    plain_token = plain.stdout.split()[-1]

    async def statuses() -> list[int]:
        app = create_app(Settings(data_dir=user.data, public_url="http://t"))
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                out = []
                for token in (engine_token, plain_token):
                    r = await client.post(
                        "/api/v1/data-sources/endpoints/actions/filter",
                        json={"dataSourceId": "rest"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    out.append(r.status_code)
                return out
        finally:
            await app.state.dcaas.engine.dispose()

    assert asyncio.run(statuses()) == [201, 403]
