"""``dcaas connections test|browse|preview|authorize`` against a real server, whose connectors
reach a real REST server and MariaDB on loopback, and a loopback OAuth provider."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests import rest_server, sql_servers
from tests.live import Live, live_dcaas
from tests.oauth.authserver import AuthServer
from tests.rest_server import TOKEN

from dcaas_client import Client, PropertiesConnectionCreate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.cli.conftest import Cli
    from tests.sql_servers import Db

CLIENT_ID, CLIENT_SECRET = "dcaas-operator", "op-secret-" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def provider() -> Iterator[AuthServer]:
    with AuthServer() as server:
        yield server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, provider: AuthServer) -> Iterator[Live]:
    """dcaas whose connectors may reach 127.0.0.1, with the provider as the oauth-rest app."""
    app = {
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "authorizationUrl": f"{provider.base}/authorize",
        "tokenUrl": f"{provider.base}/token",
    }
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider speaks plain HTTP
        with live_dcaas(
            tmp_path_factory.mktemp("dcaas"),
            outbound_allow="127.0.0.1/32",
            connector_total_timeout=5.0,
            oauth_clients={"oauth-rest": app},
        ) as server:
            provider.add_client(CLIENT_ID, CLIENT_SECRET, f"{server.url}/api/v1/oauth/callback")
            yield server


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


@pytest.fixture(scope="module")
def maria() -> Iterator[Db]:
    with sql_servers.mariadb_account() as db:
        yield db


def rest(cli: Cli, http: rest_server.Server, token: str = TOKEN) -> str:
    """A bearer REST connection made with ``connections create --set``; its id."""
    name = f"rest-{uuid.uuid4().hex[:6]}"
    made = cli.json(
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        name,
        "--set",
        f"url={http.base}/bearer/items",
        "--set",
        "authSchema=bearer",
        "--set",
        f"bearerToken={token}",
    )
    assert made["qName"] == name
    return str(made["qID"])


def test_saved_connection_passes(cli: Cli, http: rest_server.Server) -> None:
    """A connection made from --set flags tests passed: exit 0, every step in the table."""
    qid = rest(cli, http)
    result = cli.run("connections", "test", qid)
    assert result.exit_code == 0, result.output
    assert "test passed" in result.stdout
    for step in ("resolve-host", "connect", "authenticate", "authorize", "reach-endpoint"):
        assert step in result.stdout
    assert "failed" not in result.stdout
    assert TOKEN not in result.output


def test_broken_connection_fails(cli: Cli, http: rest_server.Server) -> None:
    """A wrong token: exit 1, and the step table shows authenticate failed with DCAAS-6006."""
    qid = rest(cli, http, TOKEN + "-bad")
    result = cli.run("connections", "test", qid)
    assert result.exit_code == 1, result.output
    assert "test failed" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "authenticate" in x)
    assert "failed" in line
    assert "DCAAS-6006" in line
    assert "fix-credentials" in line
    assert TOKEN not in result.output


def test_json_output_and_patch(cli: Cli, http: rest_server.Server) -> None:
    """--output json parses to the server's answer; a --set patch tests the fixed token."""
    qid = rest(cli, http, TOKEN + "-bad")
    failed = cli.run("connections", "test", qid, "--output", "json")
    assert failed.exit_code == 1
    body = json.loads(failed.stdout)
    assert body["status"] == "failed"
    codes = {s["name"]: s["code"] for s in body["steps"] if s["status"] == "failed"}
    assert codes == {"authenticate": "DCAAS-6006"}
    fixed = cli.json("connections", "test", qid, "--set", f"bearerToken={TOKEN}")
    assert fixed["status"] == "passed"
    assert [s["status"] for s in fixed["steps"]] == ["passed"] * 5


def test_definition_with_source(cli: Cli, http: rest_server.Server) -> None:
    """An unsaved definition (--source with --set) is tested; a wrong one exits 1."""
    good = cli.run(
        "connections", "test", "--source", "rest", "--set", f"url={http.base}/open/items"
    )
    assert good.exit_code == 0, good.output
    missing = cli.run(
        "connections", "test", "--source", "rest", "--set", f"url={http.base}/nowhere"
    )
    assert missing.exit_code == 1, missing.output
    assert "DCAAS-6008" in missing.stdout


def test_browse_and_preview_rest(cli: Cli, http: rest_server.Server) -> None:
    """browse lists the REST endpoint; preview shows the JSON array's rows."""
    qid = rest(cli, http)
    listed = cli.run("connections", "browse", qid)
    assert listed.exit_code == 0, listed.output
    assert "items" in listed.stdout
    assert "endpoint" in listed.stdout
    assert [e["name"] for e in cli.json("connections", "browse", qid)] == ["items"]
    shown = cli.run("connections", "preview", qid, "--limit", "2")
    assert shown.exit_code == 0, shown.output
    assert "alpha" in shown.stdout
    assert "gamma" not in shown.stdout
    assert "truncated" in shown.stdout
    assert cli.json("connections", "preview", qid)["rows"][2] == [3, "gamma"]


def test_browse_all_pages_of_tables(cli: Cli, live: Live, maria: Db) -> None:
    """browse --all --limit 2 over seven MariaDB tables lists them all, in order."""
    with Client(live.url, live.alice) as sdk:
        made = sdk.connections.create(
            PropertiesConnectionCreate(
                qName=f"maria-{uuid.uuid4().hex[:6]}",
                datasourceID="mysql",
                connectionProperties={
                    "host": "127.0.0.1",
                    "port": maria.port,
                    "database": maria.database,
                    "username": maria.user,
                    "password": maria.password,
                },
            )
        )
    qid = str(made.model_dump()["qID"])
    one_page = cli.json("connections", "browse", qid, maria.schema, "--limit", "2")
    assert len(one_page) == 2
    every = cli.json("connections", "browse", qid, maria.schema, "--limit", "2", "--all")
    assert [e["name"] for e in every] == sorted(sql_servers.TABLES)
    table = cli.run("connections", "preview", qid, f"{maria.schema}/t1")
    assert table.exit_code == 0, table.output
    assert "three" in table.stdout
    missing = cli.run("connections", "browse", qid, f"{maria.schema}/no_such_table")
    assert missing.exit_code == 3, missing.output
    assert "DCAAS-6008" in missing.stderr


def test_authorize_prints_an_auth_url(cli: Cli, provider: AuthServer) -> None:
    """create --auth-url-only and authorize print an S256 authorization URL; json parses."""
    started = cli.run(
        "connections",
        "create",
        "--source",
        "oauth-rest",
        "--name",
        "o",
        "--set",
        f"url={provider.base}/api/me",
        "--set",
        "scopes=read",
        "--auth-url-only",
        "--no-input",
    )
    assert started.exit_code == 0, started.output
    auth_url = started.stdout.split("authorize at: ", 1)[1].strip()
    assert parse_qs(urlsplit(auth_url).query)["code_challenge_method"] == ["S256"]
    consented = httpx.get(auth_url, follow_redirects=False, trust_env=False)
    done = httpx.get(consented.headers["location"], trust_env=False).json()
    again = cli.run("connections", "authorize", done["qID"])
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"{provider.base}/authorize?")
    assert "code_challenge_method=S256" in again.stdout
    assert (
        "code_challenge_method=S256"
        in cli.json("connections", "authorize", "o", "--by-name")["authUrl"]
    )
    refused = cli.run("connections", "authorize", str(uuid.uuid4()))
    assert refused.exit_code == 3, refused.output
