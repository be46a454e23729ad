"""Exit codes tell failures apart: 1 client error, 2 usage, 3 not found, 4 auth, 5 server."""

from __future__ import annotations

import json
import socket
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import Cli
    from tests.live import Live

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_not_found_is_3(cli: Cli) -> None:
    """An unknown connection exits 3 with the code on stderr."""
    result = cli.run("connections", "get", UNKNOWN)
    assert result.exit_code == 3
    assert "DCAAS-3001" in result.stderr


def test_json_errors_are_json_on_stderr(cli: Cli) -> None:
    """With --output json the error envelope item is printed as JSON on stderr."""
    result = cli.run("connections", "get", UNKNOWN, "--output", "json")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert json.loads(result.stderr)["error"]["code"] == "DCAAS-3001"


def test_missing_token_is_4(cli: Cli) -> None:
    """No token anywhere (flag, env, config file) exits 4 with a login hint."""
    result = cli.run("spaces", "list", "--url", cli.live.url, auth=False)
    assert result.exit_code == 4
    assert "dcaas login" in result.stderr


def test_forbidden_is_4(cli: Cli, live: Live) -> None:
    """A consumer creating a connection in a shared space is refused (403): exit 4."""
    space = cli.json("spaces", "create", f"ro-{uuid.uuid4().hex[:6]}")
    # bob by name: an id may begin with "-", which the command line would take for an option
    added = cli.run("spaces", "assignments", "add", space["id"], "bob", "--role", "consumer")
    assert added.exit_code == 0, added.output
    result = cli.run(
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        "nope",
        "--set",
        "url=https://e.com",
        "--space",
        space["id"],
        "--url",
        live.url,
        "--token",
        live.bob,
        auth=False,
    )
    assert result.exit_code == 4, result.output


def test_unreachable_is_5(cli: Cli) -> None:
    """A server that does not answer exits 5."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result = cli.run(
        "spaces", "list", "--url", f"http://127.0.0.1:{port}", "--token", "t", auth=False
    )
    assert result.exit_code == 5


def test_usage_errors_are_2(cli: Cli) -> None:
    """A malformed --set, or an unknown option, exits 2."""
    assert (
        cli.run(
            "connections", "create", "--source", "rest", "--name", "n", "--set", "no-equals"
        ).exit_code
        == 2
    )
    assert cli.run("connections", "list", "--bogus").exit_code == 2


def test_conflict_is_1(cli: Cli) -> None:
    """A name already taken (409) is another client error: exit 1."""
    args = (
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        f"dup-{uuid.uuid4().hex[:6]}",
        "--set",
        "url=https://e.com",
    )
    assert cli.run(*args).exit_code == 0
    result = cli.run(*args)
    assert result.exit_code == 1
    assert "DCAAS-3002" in result.stderr
