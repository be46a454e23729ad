"""``dcaas login`` and where the CLI finds URL and token: flags > env > config file."""

from __future__ import annotations

import socket
import stat
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from dcaas.cli import app
from dcaas_client.cli.config import config_path, save

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from tests.cli.conftest import Cli


def _dead_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def test_login_prompts_for_the_key_and_saves_it_0600(cli: Cli, home: Path) -> None:
    """The key typed at the prompt is not echoed; the config file is the user's alone."""
    result = CliRunner().invoke(app, ["login", "--url", cli.live.url], input=cli.token + "\n")
    assert result.exit_code == 0, result.output
    assert cli.token not in result.output
    path = config_path()
    assert path.is_relative_to(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert cli.run("spaces", "list", auth=False).exit_code == 0


def test_login_with_a_wrong_key_saves_nothing(cli: Cli) -> None:
    """A key the server refuses exits 4 and writes no config file."""
    result = CliRunner().invoke(app, ["login", "--url", cli.live.url, "--token", "dcaas_x_y"])
    assert result.exit_code == 4
    assert not config_path().exists()


def test_env_wins_over_the_config_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """DCAAS_URL / DCAAS_TOKEN override a config file pointing elsewhere."""
    save(_dead_url(), "dcaas_bad_token")
    assert cli.run("spaces", "list", auth=False).exit_code == 5
    monkeypatch.setenv("DCAAS_URL", cli.live.url)
    monkeypatch.setenv("DCAAS_TOKEN", cli.token)
    assert cli.run("spaces", "list", auth=False).exit_code == 0


def test_flags_win_over_env(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """--url and --token override the environment."""
    monkeypatch.setenv("DCAAS_URL", cli.live.url)
    monkeypatch.setenv("DCAAS_TOKEN", cli.token)
    assert cli.run("spaces", "list", "--token", "dcaas_bad", auth=False).exit_code == 4
    assert cli.run("spaces", "list", "--url", _dead_url(), auth=False).exit_code == 5


def test_saving_again_narrows_a_wider_file(home: Path) -> None:
    """An existing config file readable by others is rewritten as 0600."""
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text("url = 'x'\n")
    path.chmod(0o644)
    save("http://127.0.0.1:1", "dcaas_a_b")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
