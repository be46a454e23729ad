"""``dcaas engine`` (engine instances, release records) and ``dcaas gateways``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output, OutputOpt, TokenOpt, UrlOpt
from dcaas_client.cli.help import Typer
from dcaas_client.models import EndpointCreate, GatewayCreate

engine = Typer(
    help="The engine endpoints: engine instances and who got which connection's secrets.",
    no_args_is_help=True,
)
gateways = Typer(help="Direct Access gateways of DG_* data sources.", no_args_is_help=True)


def _rows(rows: list[Any], columns: tuple[str, ...], output: Output) -> None:
    if output is Output.json:
        c.emit_json(rows)
    else:
        c.table(rows, columns)


@engine.command("releases")
def engine_releases(
    connection: Annotated[
        str | None, typer.Option("--connection", help="Only this connection's")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List release records, newest first: who got a connection's secrets, when, for which
    reload, and the outcome (tenant admins; never the secrets)."""
    with c.client(url, token, output) as sdk:
        if all_pages:
            rows = list(sdk.engine.iter_releases(connection_id=connection, limit=limit))
        else:
            rows = sdk.engine.releases(connection_id=connection, limit=limit).data
    columns = ("created", "subject", "via", "connectionId", "connectionName", "reloadId")
    _rows(rows, (*columns, "outcome", "code"), output)


@engine.command("endpoints")
def engine_endpoints(
    url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """List the registered engine instances (engines and tenant admins)."""
    with c.client(url, token, output) as sdk:
        rows = sdk.engine.endpoints()
    _rows(rows, ("id", "dataSourceId", "url", "isPodUrl"), output)


@engine.command("add-endpoint")
def engine_add_endpoint(
    source: Annotated[str, typer.Argument(metavar="DATA_SOURCE_ID")],
    endpoint_url: Annotated[str, typer.Argument(metavar="ENGINE_URL")],
    pod: Annotated[bool, typer.Option("--pod", help="The URL is a pod's")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Register where an engine for a data source runs (tenant admins)."""
    body = EndpointCreate(dataSourceId=source, url=endpoint_url, isPodUrl=pod or None)
    with c.client(url, token, output) as sdk:
        c.show(sdk.engine.add_endpoint(body), output)


@engine.command("remove-endpoint")
def engine_remove_endpoint(
    endpoint_id: Annotated[str, typer.Argument(metavar="ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Forget an engine instance (tenant admins)."""
    with c.client(url, token, output) as sdk:
        sdk.engine.remove_endpoint(endpoint_id)
    if output is Output.table:
        c.say(f"removed {endpoint_id}")


@gateways.command("list")
def gateways_list(
    url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """List the tenant's gateways."""
    with c.client(url, token, output) as sdk:
        rows = sdk.gateways.list()
    _rows(rows, ("id", "name", "dataSources", "default"), output)


@gateways.command("add")
def gateways_add(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    source: Annotated[
        list[str] | None, typer.Option("--source", help="A DG_* data source it serves")
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Its sources' default")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Register a gateway (tenant admins)."""
    body = GatewayCreate(name=name, dataSources=source or [], default=default or None)
    with c.client(url, token, output) as sdk:
        c.show(sdk.gateways.add(body), output)


@gateways.command("remove")
def gateways_remove(
    gateway_id: Annotated[str, typer.Argument(metavar="ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Forget a gateway (tenant admins)."""
    with c.client(url, token, output) as sdk:
        sdk.gateways.remove(gateway_id)
    if output is Output.table:
        c.say(f"removed {gateway_id}")
