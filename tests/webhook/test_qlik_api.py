"""Qlik's ``@qlik/api`` ``webhooks`` module, unchanged, manages a webhook on a live dcaas."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tests.live import live_dcaas
from tests.qlik_api import qlik_api_package

if TYPE_CHECKING:
    from tests.webhook.receiver import Receiver

SCRIPT = Path(__file__).with_name("js") / "manage_webhook.mjs"
CREATED = "com.qlik.v1.data-connection.created"


def test_qlik_api_webhooks_module_manages_a_webhook(tmp_path: Path, receiver: Receiver) -> None:
    """createWebhook, getWebhooks, getWebhook, patchWebhook, updateWebhook,
    getWebhookEventTypes, getWebhookDeliveries and deleteWebhook all answer as Qlik's do;
    the secret and encrypted header values never come back."""
    package = qlik_api_package()
    with live_dcaas(tmp_path, outbound_allow="127.0.0.1/32") as live:
        args = ["node", str(SCRIPT), str(package), live.url, live.admin, receiver.url]
        run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["createStatus"] == 201
    webhook_id = seen["created"]["id"]
    assert seen["list"] == [webhook_id]
    assert seen["get"]["secretKeyAdded"] is True
    assert seen["get"]["encryptedHeaders"] == ["Authorization"]
    assert seen["patchStatus"] == 204
    assert seen["afterPatch"] == "patched"
    assert seen["update"]["name"] == "renamed"
    assert CREATED in seen["eventTypes"]
    assert seen["deliveries"] == []
    assert (seen["deleteStatus"], seen["afterDelete"]) == (204, 404)
    assert "qlik-api-secret-41b" not in run.stdout
    assert "qlik-api-header-77" not in run.stdout
