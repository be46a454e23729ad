"""``dcaas serve`` refuses a production configuration that would trust the Host header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from dcaas.cli import app

if TYPE_CHECKING:
    import pytest


def test_serve_refuses_production_without_public_url_or_allowed_hosts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    """Exit 6 (a setting) naming DCAAS_PUBLIC_URL and DCAAS_ALLOWED_HOSTS, before starting."""
    for name in ("DCAAS_PUBLIC_URL", "DCAAS_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DCAAS_ENV", "production")
    monkeypatch.setenv("DCAAS_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 6
    assert "DCAAS_PUBLIC_URL" in result.output
    assert "DCAAS_ALLOWED_HOSTS" in result.output
