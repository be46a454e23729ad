"""What the client commands say: hints in the CLI's own words, help in words, tables with
yes/no, and output for scripts that is never wrapped or decorated."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from dcaas.cli import app
from dcaas_client.cli.config import config_path

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def test_a_name_instead_of_an_id_hints_at_by_name(cli: Cli) -> None:
    """`connections get users` says to add --by-name, not the HTTP query type=connectionname."""
    result = cli.run("connections", "get", "users")
    assert result.exit_code == 1
    assert "add --by-name" in result.stderr
    assert "type=connectionname" not in result.stderr


def test_wrong_key_at_login_says_to_check_the_key(cli: Cli) -> None:
    """A refused key at login: the hint is to check the key, not to run `dcaas login`."""
    result = CliRunner().invoke(app, ["login", "--url", cli.live.url, "--token", "dcaas_x_y"])
    assert result.exit_code == 4
    assert "hint: check the key" in result.stderr
    assert "run `dcaas login`" not in result.stderr
    assert not config_path().exists()


def test_refused_key_hints_at_a_new_key(cli: Cli) -> None:
    """A key the server refuses on another command: check it or make a new one."""
    result = cli.run("spaces", "list", "--url", cli.live.url, "--token", "dcaas_x_y", auth=False)
    assert result.exit_code == 4
    assert "refused the API key" in result.stderr
    assert "dcaas apikey create" in result.stderr


def test_no_key_hints_at_login_and_the_variable(cli: Cli) -> None:
    """No key anywhere: the hint names dcaas login, DCAAS_TOKEN and --token, once."""
    result = cli.run("spaces", "list", "--url", cli.live.url, auth=False)
    assert result.exit_code == 4
    assert "hint: no API key given" in result.stderr
    assert "Client(url, token)" not in result.stderr  # the SDK's words, for Python callers


def test_tables_say_yes_and_no(cli: Cli) -> None:
    """The spec table shows required and secret as yes / no, not True / False."""
    result = cli.run("datasources", "spec", "File_AmazonS3ConnectorV2")
    assert result.exit_code == 0
    assert " yes " in result.stdout
    assert " no " in result.stdout
    assert "True" not in result.stdout
    assert "False" not in result.stdout


def test_output_to_a_pipe_is_not_wrapped(cli: Cli) -> None:
    """A 120-character name stays on one line when stdout is not a terminal."""
    name = "n" * 100 + uuid.uuid4().hex[:20]
    url = "--set=url=https://example.com/api"
    created = cli.run("connections", "create", "--source", "rest", "--name", name, url)
    assert created.exit_code == 0, created.output
    result = cli.run("connections", "list", "--filter", f'qName eq "{name}"')
    assert result.exit_code == 0
    assert name in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) > 120


def test_no_spinner_when_not_a_terminal(cli: Cli) -> None:
    """A long listing shows no progress on stderr when stderr is not a terminal."""
    result = cli.run("connections", "list", "--all")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_help_shows_types_as_words_and_marks_required(cli: Cli) -> None:
    """create --help: TEXT, FILE, no <str>/<bool>/<list[str]>, --source marked required."""
    result = CliRunner().invoke(app, ["connections", "create", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for word in ("TEXT", "FILE", "KEY=VALUE", "TEXT (repeatable)", "table|json"):
        assert word in result.stdout
    for raw in ("<str>", "<bool>", "<list[str]>", "<path>"):
        assert raw not in result.stdout
    source_line = next(line for line in result.stdout.splitlines() if "--source" in line)
    assert "[required unless in --file]" in source_line


def test_flags_show_no_type(cli: Cli) -> None:
    """A flag (--all) has nothing after it; an integer option says INTEGER."""
    result = CliRunner().invoke(app, ["connections", "list", "--help"], env={"COLUMNS": "200"})
    all_line = next(line for line in result.stdout.splitlines() if "--all " in line)
    assert all_line.split("--all", 1)[1].split()[:3] == ["Follow", "every", "page"]
    assert "INTEGER [1<=x<=100]" in result.stdout


def test_json_output_keeps_booleans(cli: Cli) -> None:
    """--output json is the server's JSON: booleans stay true/false."""
    spec = cli.json("datasources", "list")
    assert isinstance(json.loads(json.dumps(spec))[0]["disabled"], bool)
