"""``dcaas audit list|get`` through the API, ``dcaas audit export`` on the server's store."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from dcaas.cli import app

if TYPE_CHECKING:
    import pytest
    from tests.cli.conftest import Cli
    from tests.live import Live


def test_list_and_get_as_the_tenant_admin(cli: Cli, live: Live) -> None:
    """An admin lists the tenant's events (alice's create among them) and gets one."""
    cli.json(
        "connections", "create", "--source", "rest", "--name", "audited", "--set", "url=https://e.x"
    )
    cli.token = live.admin
    events = cli.json("audit", "list", "--type", "com.qlik.v1.data-connection.created")
    assert events
    assert events[0]["eventType"] == "com.qlik.v1.data-connection.created"
    one = cli.json("audit", "get", events[0]["id"])
    assert one["id"] == events[0]["id"]
    table = cli.run("audit", "list")
    assert table.exit_code == 0, table.output
    assert "eventType" in table.output


def test_export_writes_json_lines_from_the_store(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dcaas audit export --since`` prints one JSON event a line, every tenant's."""
    monkeypatch.setenv("DCAAS_DATA_DIR", str(live.settings.data_dir))
    monkeypatch.setenv("DCAAS_ENV", "development")
    result = CliRunner().invoke(
        app, ["audit", "export", "--since", "2000-01-01", "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines
    assert {"eventId", "eventType", "eventTime", "tenantId"} <= set(lines[0])
    assert "exported" in result.stderr


def test_export_refuses_a_bad_time(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --since that is no date-time is a usage error, not a traceback."""
    monkeypatch.setenv("DCAAS_DATA_DIR", str(live.settings.data_dir))
    result = CliRunner().invoke(app, ["audit", "export", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "ISO 8601" in result.output
