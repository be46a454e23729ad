"""``dcaas datasources``, ``credentials`` and ``spaces`` against a real server."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from tests.cli.conftest import Cli

if TYPE_CHECKING:
    from tests.live import Live


def test_datasources_list_and_spec(cli: Cli) -> None:
    """The catalog lists the seed sources; spec marks required and secret properties."""
    ids = {s["dataSourceId"] for s in cli.json("datasources", "list")}
    assert {"rest", "File_FileTransferConnector"} <= ids
    table = cli.run("datasources", "spec", "File_AmazonS3ConnectorV2")
    assert table.exit_code == 0
    assert "secretKey" in table.stdout
    spec = cli.json("datasources", "spec", "File_AmazonS3ConnectorV2")
    assert spec["connectionProperties"]["properties"]["secretKey"]["x-secret"] is True


def test_credentials_get_orphans_and_delete(cli: Cli, live: Live) -> None:
    """A separated credential outlives its connection, is listed as orphan (to an admin:
    Qlik's filter-orphan is admin-only; a user's exit code is 4), then deleted."""
    cred = f"cred-{uuid.uuid4().hex[:6]}"
    sets = [
        "url=https://e.com",
        "username=u",
        "password=p-w",
        "separateCredentials=true",
        f"credentialsName={cred}",
    ]
    flags = [arg for s in sets for arg in ("--set", s)]
    made = cli.json("connections", "create", "--source", "rest", "--name", cred, *flags)
    cid = made["qCredentialsID"]
    assert cli.json("credentials", "get", cred, "--by-name")["qID"] == cid
    assert cid in {c["qID"] for c in cli.json("credentials", "list", "--all")}
    assert cli.run("connections", "delete", made["qID"]).exit_code == 0
    assert cli.run("credentials", "orphans").exit_code == 4
    admin = Cli(live, live.admin)
    assert cid in {c["qID"] for c in admin.json("credentials", "orphans", "--separated")}
    assert cli.run("credentials", "delete", cid).exit_code == 0
    assert cli.run("credentials", "get", cid).exit_code == 3


def test_spaces_and_assignments(cli: Cli, live: Live) -> None:
    """Create a space, add and remove a member, delete the space."""
    space = cli.json("spaces", "create", f"team-{uuid.uuid4().hex[:6]}", "--description", "t")
    assert cli.json("spaces", "get", space["id"])["name"] == space["name"]
    assert space["id"] in {s["id"] for s in cli.json("spaces", "list")}
    bob = json.loads(
        cli.run(
            "spaces", "list", "-o", "json", "--url", live.url, "--token", live.bob, auth=False
        ).stdout
    )[0]["ownerId"]
    member = cli.json("spaces", "assignments", "add", space["id"], bob, "--role", "producer")
    listed = cli.json("spaces", "assignments", "list", space["id"])
    assert member["id"] in {a["id"] for a in listed}
    assert cli.run("spaces", "assignments", "remove", space["id"], member["id"]).exit_code == 0
    assert cli.run("spaces", "delete", space["id"]).exit_code == 0
    assert cli.run("spaces", "get", space["id"]).exit_code == 3


def test_unknown_role_is_a_usage_error(cli: Cli) -> None:
    """A role the server does not know is refused before any request: exit 2."""
    result = cli.run("spaces", "assignments", "add", "s", "u", "--role", "owner")
    assert result.exit_code == 2


def test_users_list_get_and_me(cli: Cli) -> None:
    """`dcaas users` lists the tenant's people (filtered), shows one, and says who you are."""
    me = cli.json("users", "me")
    assert me["subject"] == "alice"  # the suite's CLI signs in as alice
    subjects = {u["subject"] for u in cli.json("users", "list")}
    assert subjects == {"admin", "alice", "bob"}
    found = cli.json("users", "list", "--filter", 'name co "BO"')
    assert [u["subject"] for u in found] == ["bob"]
    assert cli.json("users", "get", found[0]["id"])["name"] == "bob"
    table = cli.run("users", "list")
    assert table.exit_code == 0
    assert "admin" in table.stdout
    assert cli.run("users", "get", "nobody").exit_code == 3


def test_assignment_by_name_in_the_cli(cli: Cli) -> None:
    """`spaces assignments add SPACE bob` gives bob, by name, his role."""
    space = cli.json("spaces", "create", f"team-{uuid.uuid4().hex[:6]}")
    bob = cli.json("users", "list", "--filter", 'subject eq "bob"')[0]["id"]
    member = cli.json("spaces", "assignments", "add", space["id"], "bob", "--role", "consumer")
    assert member["assigneeId"] == bob


def test_datasources_qri(cli: Cli) -> None:
    """``dcaas datasources qri`` prints a connection's QRI by id or name; --path qualifies
    it, --hashed hides the connection part; an unknown id exits 3."""
    name = f"qri-{uuid.uuid4().hex[:6]}"
    made = cli.json(
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        name,
        "--set",
        "url=https://q.example",
    )
    by_id = cli.run("datasources", "qri", made["qID"])
    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout.strip() == "qri:rest://https://q.example"
    by_name = cli.json("datasources", "qri", f":{name}", "--by", "name", "--path", "items")
    assert by_name["qri"] == "qri:rest://https://q.example#items"
    assert by_name["isFullyQualified"] is True
    hashed = cli.run("datasources", "qri", made["qID"], "--hashed")
    assert "q.example" not in hashed.stdout
    missing = cli.run("datasources", "qri", "00000000-0000-4000-8000-000000000000")
    assert missing.exit_code == 3
    assert "not found" in missing.output
    assert cli.run("datasources", "qri", "x", "--by", "nope").exit_code == 2
