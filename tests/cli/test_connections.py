"""``dcaas connections`` against a real server: each seed source from --set and from a file,
list with a filter, update, duplicate, delete, and prompts driven by the api-spec."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from tests.test_seeds import ALL_SECRETS, SEEDS

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cli


def _sets(props: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in props.items():
        text = value if isinstance(value, str) else json.dumps(value)
        args += ["--set", f"{key}={text}"]
    return args


def _no_secret(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text


@pytest.mark.parametrize("source", list(SEEDS))
def test_create_each_seed_from_set_flags(cli: Cli, source: str) -> None:
    """Every seed source is created from --set flags; reading it back shows no secret."""
    name = f"set-{source}-{uuid.uuid4().hex[:6]}"
    made = cli.json(
        "connections", "create", "--source", source, "--name", name, *_sets(SEEDS[source])
    )
    assert made["datasourceID"] == source
    got = cli.json("connections", "get", made["qID"])
    assert got["qName"] == name
    public = {k for k in SEEDS[source] if k in got["connectionProperties"]}
    assert public, "the public properties come back"
    _no_secret(json.dumps(got))


@pytest.mark.parametrize("source", list(SEEDS))
def test_create_each_seed_from_file(cli: Cli, tmp_path: Path, source: str) -> None:
    """A seed's whole create body in a file creates the connection; no secret is printed."""
    name = f"file-{source}-{uuid.uuid4().hex[:6]}"
    body = tmp_path / "body.json"
    body.write_text(
        json.dumps(
            {"dataSourceId": source, "connectionName": name, "connectionProperties": SEEDS[source]}
        )
    )
    result = cli.run("connections", "create", "--file", str(body))
    assert result.exit_code == 0, result.output
    assert f" {name}" in result.stdout
    _no_secret(result.output)


def test_properties_file_and_set_override(cli: Cli, tmp_path: Path) -> None:
    """A properties-only file plus --set: the flag wins for the same key."""
    props = tmp_path / "props.json"
    props.write_text(json.dumps({"url": "https://example.com/file", "timeout": 5}))
    name = f"mix-{uuid.uuid4().hex[:6]}"
    made = cli.json(
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        name,
        "--file",
        str(props),
        "--set",
        "timeout=7",
    )
    got = cli.json("connections", "get", made["qID"])
    assert got["connectionProperties"]["timeout"] == 7
    assert got["connectionProperties"]["url"] == "https://example.com/file"


def test_list_with_filter(cli: Cli) -> None:
    """--filter narrows the list; the table and the json agree."""
    tag = f"lst-{uuid.uuid4().hex[:6]}"
    for i in range(3):
        cli.json(
            "connections",
            "create",
            "--source",
            "rest",
            "--name",
            f"{tag}-{i}",
            "--set",
            f"url=https://example.com/{i}",
        )
    rows = cli.json("connections", "list", "--filter", f'qName sw "{tag}"', "--limit", "2", "--all")
    assert sorted(r["qName"] for r in rows) == [f"{tag}-0", f"{tag}-1", f"{tag}-2"]
    table = cli.run("connections", "list", "--filter", f'qName eq "{tag}-1"')
    assert table.exit_code == 0
    assert f"{tag}-1" in table.stdout
    assert f"{tag}-0" not in table.stdout


def test_update_duplicate_and_delete(cli: Cli) -> None:
    """update --set/--name patches, duplicate copies, delete removes (then get exits 3)."""
    name = f"upd-{uuid.uuid4().hex[:6]}"
    made = cli.json(
        "connections",
        "create",
        "--source",
        "rest",
        "--name",
        name,
        "--set",
        "url=https://example.com/u",
    )
    result = cli.run(
        "connections", "update", made["qID"], "--set", "timeout=9", "--name", name + "-2"
    )
    assert result.exit_code == 0, result.output
    got = cli.json("connections", "get", made["qID"])
    assert (got["qName"], got["connectionProperties"]["timeout"]) == (name + "-2", 9)
    copy = cli.json("connections", "duplicate", made["qID"], "--name", name + "-copy")
    assert copy["qName"] == name + "-copy"
    deleted = cli.run("connections", "delete", made["qID"], copy["qID"])
    assert deleted.exit_code == 0
    assert cli.run("connections", "get", made["qID"]).exit_code == 3


def test_prompts_follow_the_api_spec(cli: Cli) -> None:
    """Missing required properties are prompted; secrets are read without echo."""
    name = f"ask-{uuid.uuid4().hex[:6]}"
    secret_key, access_key = "prompted-secret-Vv5", "prompted-access-Tt4"
    result = cli.run(
        "connections",
        "create",
        "--source",
        "File_AmazonS3ConnectorV2",
        "--name",
        name,
        "--set",
        "region=eu-west-1",
        input=f"{access_key}\n{secret_key}\nmy-bucket\n",
    )
    assert result.exit_code == 0, result.output
    assert "accessKey" in result.output
    assert "secretKey" in result.output
    assert "my-bucket" in result.output  # a public value is echoed as typed
    assert secret_key not in result.output
    assert access_key not in result.output
    got = cli.json("connections", "get", name, "--by-name")
    assert got["connectionProperties"]["bucketName"] == "my-bucket"


def test_no_input_sends_what_was_given(cli: Cli) -> None:
    """--no-input never prompts: the server names the missing property (exit 1)."""
    result = cli.run("connections", "create", "--source", "rest", "--name", "x", "--no-input")
    assert result.exit_code == 1
    assert "DCAAS-" in result.stderr
