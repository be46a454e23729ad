"""``dcaas webhooks`` against a real server whose lifespan worker delivers to a receiver."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.cli.conftest import Cli
from tests.live import live_dcaas
from tests.webhook.conftest import RECEIVER_SECRET
from tests.webhook.receiver import Receiver

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.live import Live

CREATED = "com.qlik.v1.data-connection.created"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(secret=RECEIVER_SECRET).start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[Live]:
    with live_dcaas(tmp_path, outbound_allow="127.0.0.1/32", webhook_poll_seconds=0.1) as live:
        yield live


def test_webhooks_create_list_deliveries_and_delete(
    hooked: Live, home: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create (secret from an env var), list, get without the secret; a connection made
    afterwards is delivered by the server's own worker and listed in deliveries; delete."""
    del home
    cli = Cli(hooked, hooked.admin)
    monkeypatch.setenv("HOOK_SECRET", RECEIVER_SECRET)
    made = cli.json(
        "webhooks", "create", "ops", receiver.url, "--event", CREATED, "--secret-env", "HOOK_SECRET"
    )
    assert made["secretKeyAdded"] is True
    assert [w["id"] for w in cli.json("webhooks", "list")] == [made["id"]]
    shown = cli.run("webhooks", "get", made["id"])
    assert shown.exit_code == 0
    assert RECEIVER_SECRET not in shown.stdout
    body = {
        "qName": "cli",
        "datasourceID": "rest",
        "connectionProperties": {"url": "https://e.com"},
    }
    h = {"Authorization": f"Bearer {hooked.alice}"}
    assert (
        httpx.post(hooked.url + "/api/v1/data-connections", json=body, headers=h).status_code == 201
    )
    deadline = time.monotonic() + 20
    while not receiver.received:
        assert time.monotonic() < deadline, "no delivery"
        time.sleep(0.1)
    assert receiver.received[0].signed
    [delivery] = cli.json("webhooks", "deliveries", made["id"])
    assert (delivery["status"], delivery["eventType"]) == ("success", CREATED)
    assert cli.run("webhooks", "delete", made["id"]).exit_code == 0
    assert cli.json("webhooks", "list") == []


def test_webhooks_need_the_admin_role(hooked: Live, home: Path) -> None:
    """A member who is no admin: the command fails with the server's DCAAS-5011."""
    del home
    result = Cli(hooked, hooked.alice).run("webhooks", "list")
    assert result.exit_code != 0
    assert "DCAAS-5011" in result.output or "admin" in result.output
