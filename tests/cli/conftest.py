"""A real dcaas per module, a throwaway HOME per test, and the CLI driven in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from tests.live import Live, live_dcaas
from typer.testing import CliRunner

from dcaas.cli import app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from click.testing import Result


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_dcaas(tmp_path_factory.mktemp("dcaas")) as server:
        yield server


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME (and XDG config dir); no DCAAS_URL / DCAAS_TOKEN from the outside."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("DCAAS_URL", raising=False)
    monkeypatch.delenv("DCAAS_TOKEN", raising=False)
    return home


@dataclass
class Cli:
    """Runs ``dcaas ...`` in-process against the live server, as a given user."""

    live: Live
    token: str

    def run(self, *args: str, input: str | None = None, auth: bool = True) -> Result:  # noqa: A002
        extra = ["--url", self.live.url, "--token", self.token] if auth else []
        return CliRunner().invoke(app, [*args, *extra], input=input)

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--output", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(live: Live, home: Path) -> Cli:
    return Cli(live, live.alice)
