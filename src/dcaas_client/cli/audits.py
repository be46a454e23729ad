"""``dcaas audit list`` and ``dcaas audit get``: the tenant's audit trail, through the SDK.

(``dcaas audit export`` reads the server's store instead; ``dcaas.cli`` adds it.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output, OutputOpt, TokenOpt, UrlOpt
from dcaas_client.cli.help import Typer

if TYPE_CHECKING:
    from dcaas_client._calls.audits import AuditQuery

audit = Typer(help="The audit trail: who did what to which object.", no_args_is_help=True)
_COLUMNS = ("eventTime", "eventType", "userId", "objectType", "objectId", "outcome")


@audit.command("list")
def audit_list(
    event_type: Annotated[
        str | None, typer.Option("--type", help="e.g. com.qlik.v1.data-connection.created")
    ] = None,
    since: Annotated[str | None, typer.Option(help="ISO 8601; events at or after it")] = None,
    until: Annotated[str | None, typer.Option(help="ISO 8601; events at or before it")] = None,
    user: Annotated[str | None, typer.Option("--user", help="the acting user's id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the tenant's newest events (tenant admins; others see none)."""
    window = f"{since or ''}/{until or ''}" if since or until else None
    query: AuditQuery = {"limit": limit}
    if event_type is not None:
        query["eventType"] = event_type
    if window is not None:
        query["eventTime"] = window
    if user is not None:
        query["userId"] = user
    with c.client(url, token, output) as sdk:
        page = sdk.audits.list(**query)
    if output is Output.json:
        c.emit_json(page.data)
    else:
        c.table(page.data, _COLUMNS)


@audit.command("get")
def audit_get(
    event_id: Annotated[str, typer.Argument(metavar="EVENT_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one event."""
    with c.client(url, token, output) as sdk:
        event = sdk.audits.get(event_id)
    c.show(event, output)
