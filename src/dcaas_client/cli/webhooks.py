"""``dcaas webhooks``: list, create, get, delete and the delivery history (tenant admins)."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output, OutputOpt, TokenOpt, UrlOpt
from dcaas_client.cli.help import Typer
from dcaas_client.models import WebhookCreate

app = Typer(
    help="Webhooks: deliveries of events to your URLs (tenant admins).", no_args_is_help=True
)
COLUMNS = ("id", "name", "url", "enabled", "eventTypes")
DELIVERY_COLUMNS = ("id", "eventType", "status", "attemptCount", "triggeredAt", "statusMessage")
IdArg = Annotated[str, typer.Argument(metavar="WEBHOOK_ID")]


def _rows(rows: list[Any], columns: tuple[str, ...], output: Output) -> None:
    if output is Output.json:
        c.emit_json(rows)
    else:
        c.table(rows, columns)


@app.command("list")
def webhooks_list(
    url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """List the tenant's webhooks."""
    with c.client(url, token, output) as sdk:
        _rows(sdk.webhooks.list(limit=100), COLUMNS, output)


@app.command("create")
def webhooks_create(
    name: Annotated[str, typer.Argument()],
    target: Annotated[str, typer.Argument(metavar="URL", help="Where deliveries are POSTed")],
    event: Annotated[
        list[str], typer.Option("--event", "-e", help="An event type (repeat for more)")
    ],
    secret_env: Annotated[
        str | None,
        typer.Option(help="Name of an environment variable holding the signing secret"),
    ] = None,
    cloud_events: Annotated[bool, typer.Option("--cloud-events")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Subscribe URL to event types; the secret is read from an environment variable so it
    never appears in the shell's history."""
    secret = os.environ.get(secret_env) if secret_env else None
    if secret_env and not secret:
        raise c.usage(f"the environment variable {secret_env} is not set")
    body = WebhookCreate(
        name=name,
        url=target,
        eventTypes=event,
        secret=SecretStr(secret) if secret else None,
        enableCloudEventDelivery=cloud_events or None,
    )
    with c.client(url, token, output) as sdk:
        c.show(sdk.webhooks.create(body), output)


@app.command("get")
def webhooks_get(
    webhook_id: IdArg, url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """Show one webhook (its secret never: only whether one is set)."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.webhooks.get(webhook_id), output)


@app.command("delete")
def webhooks_delete(
    webhook_id: IdArg, url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """Delete a webhook and its delivery history."""
    with c.client(url, token, output) as sdk:
        sdk.webhooks.delete(webhook_id)
    if output is Output.table:
        c.say(f"deleted {webhook_id}")


@app.command("deliveries")
def webhooks_deliveries(
    webhook_id: IdArg,
    status: Annotated[str | None, typer.Option(help="success, fail or pending")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """A webhook's deliveries, newest first."""
    with c.client(url, token, output) as sdk:
        _rows(
            sdk.webhooks.deliveries(webhook_id, limit=100, status=status), DELIVERY_COLUMNS, output
        )
