"""``dcaas engine`` and the SDK's engine calls against a real server."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tests import log_guard

from dcaas_client import Client
from dcaas_client.models import (
    ApiKeyCreate,
    ConnectionCreated,
    EndpointRequest,
    PropertiesConnectionCreate,
)

if TYPE_CHECKING:
    from tests.cli.conftest import Cli
    from tests.live import Live

SECRET = "cli-engine-pw-" + uuid.uuid4().hex[:8]
log_guard.remember(SECRET)


def test_release_then_admin_lists_it(cli: Cli, live: Live) -> None:
    """An engine key (made by the admin) releases a connection through the SDK; the admin's
    `dcaas engine releases` shows who, which connection and the reload, and no secret."""
    with Client(live.url, live.admin) as admin:
        key = admin.api_keys.create(ApiKeyCreate(description="reloads", scopes=["engine"]))
        name = f"eng-{uuid.uuid4().hex[:6]}"
        made = admin.connections.create(
            PropertiesConnectionCreate(
                qName=name,
                datasourceID="rest",
                connectionProperties={
                    "url": "https://api.example.com",
                    "authSchema": "basic",
                    "username": "u",
                    "password": SECRET,
                },
            )
        )
        assert isinstance(made, ConnectionCreated)
    with Client(live.url, key.token.get_secret_value()) as engine:
        got = engine.engine.release(EndpointRequest(connectionId=made.qID, reloadId="cli-r1"))
    assert got.connection is not None
    assert got.connection.password is not None
    assert got.connection.password.get_secret_value() == SECRET
    assert SECRET not in repr(got)
    admin_cli = type(cli)(live, live.admin)
    table = admin_cli.run("engine", "releases", "--connection", made.qID)
    assert table.exit_code == 0, table.output
    assert SECRET not in table.stdout
    (record,) = admin_cli.json("engine", "releases", "--connection", made.qID)
    assert (record["subject"], record["reloadId"], record["outcome"]) == (
        "admin",
        "cli-r1",
        "released",
    )


def test_plain_user_cannot_list_releases(cli: Cli) -> None:
    """A plain user's `dcaas engine releases` fails with the forbidden exit code."""
    result = cli.run("engine", "releases")
    assert result.exit_code != 0
    assert "admin" in result.output


def test_endpoints_add_list_remove(cli: Cli, live: Live) -> None:
    """An admin registers an engine instance, lists it, and removes it."""
    admin_cli = type(cli)(live, live.admin)
    ref = admin_cli.json("engine", "add-endpoint", "rest", "grpc://engine.internal:50051")
    assert ref["dataSourceId"] == "rest"
    assert ref["id"] in {e["id"] for e in admin_cli.json("engine", "endpoints")}
    assert admin_cli.run("engine", "remove-endpoint", ref["id"]).exit_code == 0
    assert ref["id"] not in {e["id"] for e in admin_cli.json("engine", "endpoints")}


def test_gateways_add_list_remove(cli: Cli, live: Live) -> None:
    """An admin registers a gateway for DG_postgres; the source lists it; it is removed."""
    admin_cli = type(cli)(live, live.admin)
    name = f"gw-{uuid.uuid4().hex[:6]}"
    made = admin_cli.json("gateways", "add", name, "--source", "DG_postgres", "--default")
    assert (made["name"], made["dataSources"], made["default"]) == (name, ["DG_postgres"], True)
    assert made["id"] in {g["id"] for g in cli.json("gateways", "list")}
    with Client(live.url, live.alice) as sdk:
        listed = sdk.data_sources.gateways("DG_postgres", force_refresh=True)
    assert made["id"] in {g.id for g in listed.gateways}
    assert cli.run("gateways", "remove", made["id"]).exit_code != 0  # not an admin
    assert admin_cli.run("gateways", "remove", made["id"]).exit_code == 0
    assert made["id"] not in {g["id"] for g in cli.json("gateways", "list")}
