"""The SDK's webhooks API against a real server (the sync client, generated from the async)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr
from tests.live import live_dcaas

from dcaas_client import Client
from dcaas_client.errors import DcaasError
from dcaas_client.models import PatchOp, WebhookCreate

if TYPE_CHECKING:
    from pathlib import Path

CREATED = "com.qlik.v1.data-connection.created"


def test_sdk_manages_a_webhook(tmp_path: Path) -> None:
    """create, get, patch, event_types, deliveries, delete; the secret never comes back."""
    with (
        live_dcaas(tmp_path, outbound_allow="127.0.0.1/32") as live,
        Client(live.url, live.admin) as sdk,
    ):
        body = WebhookCreate(
            name="ops",
            url="http://127.0.0.1:9/hook",
            eventTypes=[CREATED],
            secret=SecretStr("sdk-secret-9c1"),
        )
        made = sdk.webhooks.create(body)
        assert made.secretKeyAdded
        assert "sdk-secret-9c1" not in made.model_dump_json()
        sdk.webhooks.patch(made.id, [PatchOp(op="replace", path="/enabled", value=False)])
        assert sdk.webhooks.get(made.id).enabled is False
        assert CREATED in {t.name for t in sdk.webhooks.event_types()}
        assert sdk.webhooks.deliveries(made.id) == []
        sdk.webhooks.delete(made.id)
        with pytest.raises(DcaasError) as error:
            sdk.webhooks.get(made.id)
        assert error.value.status == 404
