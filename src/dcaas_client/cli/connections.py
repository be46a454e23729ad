"""``dcaas connections``: list, get, create, update, delete, duplicate, test, browse, preview,
authorize."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output, OutputOpt, TokenOpt, UrlOpt
from dcaas_client.cli.help import Typer
from dcaas_client.cli.properties import parse_sets, prompt_missing, read_file
from dcaas_client.models import (
    ConnectionCreated,
    DuplicateRequest,
    PatchOp,
    Preview,
    PropertiesConnectionCreate,
    TestResult,
)

app = Typer(help="Data connections.", no_args_is_help=True)
SET_HELP = "A property; VALUE is parsed as JSON when valid, else taken as text"
FILE_HELP = "JSON file of properties (or a whole create body with connectionProperties)"
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", "-s", metavar="KEY=VALUE", help=SET_HELP)
]
FileOpt = Annotated[Path | None, typer.Option("--file", "-f", help=FILE_HELP)]
ID_HELP = "Connection id (or name with --by-name)"
REQUIRED = "[red]\\[required unless in --file][/red]"
COLUMNS = ("qID", "qName", "datasourceID", "space", "updated")


@app.command("list")
def list_(
    filter: Annotated[str | None, typer.Option(help="SCIM filter")] = None,  # noqa: A002
    space: Annotated[str | None, typer.Option(help="Only this space")] = None,
    sort: Annotated[str | None, typer.Option(help="+qName, -created ...")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Page size")] = 20,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the connections you can see (one page, or --all)."""
    with c.client(url, token, output) as sdk:
        kw: Any = {"filter": filter, "space_id": space, "sort": sort, "limit": limit}
        kw = {k: v for k, v in kw.items() if v is not None}
        if all_pages:
            with c.progress("Listing connections...", output):
                rows = list(sdk.connections.iter(**kw))
        else:
            rows = sdk.connections.list(**kw).data
    if output is Output.json:
        c.emit_json(rows)
    else:
        c.table(rows, COLUMNS)


@app.command()
def get(
    qid: Annotated[str, typer.Argument(metavar="ID", help=ID_HELP)],
    by_name: Annotated[bool, typer.Option("--by-name", help="ID is a connection name")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one connection with its (non-secret) properties."""
    with c.client(url, token, output) as sdk:
        found = sdk.connections.get(qid, parse_connection=True, by_name=by_name)
    c.show(found, output, hidden=("links",))


def _properties(sets: list[str] | None, file: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(properties, other create fields found in the file)."""
    extra: dict[str, Any] = {}
    props: dict[str, Any] = {}
    if file is not None:
        data = read_file(file)
        if isinstance(data.get("connectionProperties"), dict):
            extra, props = data, dict(data["connectionProperties"])
        else:
            props = data
    return props | parse_sets(sets or []), extra


@app.command()
def create(
    source: Annotated[
        str | None, typer.Option("--source", help=f"Data source id {REQUIRED}")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help=f"Connection name {REQUIRED}")] = None,
    space: Annotated[str | None, typer.Option(help="Shared space id (default: personal)")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag")] = None,
    sets: SetOpt = None,
    file: FileOpt = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt")] = False,
    auth_url_only: Annotated[
        bool,
        typer.Option(
            "--auth-url-only",
            help="OAuth source: print the URL to consent at, create nothing yet",
        ),
    ] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Create a connection; required properties not given are prompted (secrets hidden)."""
    props, extra = _properties(sets, file)
    source = source or extra.get("dataSourceId") or extra.get("datasourceID")
    name = name or extra.get("connectionName") or extra.get("qName")
    if not source or not name:
        raise c.usage("--source and --name are required (or given in --file)")
    with c.client(url, token, output) as sdk:
        if not no_input:
            props = prompt_missing(sdk.data_sources.api_spec(source), props)
        body = PropertiesConnectionCreate(
            qName=name,
            datasourceID=source,
            connectionProperties=props,
            space=space or extra.get("spaceId") or extra.get("space"),
            tags=tag or extra.get("tags"),
        )
        made = (
            sdk.connections.create_auth_url(body) if auth_url_only else sdk.connections.create(body)
        )
    if output is Output.json:
        c.emit_json(made)
    elif isinstance(made, ConnectionCreated):
        c.say(f"created {made.qID} {made.qName}")
    else:
        c.say(f"authorize at: {made.authUrl}")


@app.command()
def update(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    sets: SetOpt = None,
    unset: Annotated[list[str] | None, typer.Option(help="Remove a property (repeatable)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="New name")] = None,
    if_match: Annotated[str | None, typer.Option(help="Only if the ETag still matches")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Change properties (--set / --unset) or the name, with one JSON Patch."""
    ops = [
        PatchOp(op="add", path=f"/connectionProperties/{k}", value=v)
        for k, v in parse_sets(sets or []).items()
    ]
    ops += [PatchOp(op="remove", path=f"/connectionProperties/{k}") for k in unset or []]
    ops += [PatchOp(op="replace", path="/qName", value=name)] if name else []
    if not ops:
        raise c.usage("nothing to change: give --set, --unset or --name")
    with c.client(url, token, output) as sdk:
        sdk.connections.patch(qid, ops, if_match=if_match)
    if output is Output.table:
        c.say(f"updated {qid}")


@app.command()
def delete(
    qids: Annotated[list[str], typer.Argument(metavar="ID...")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Delete connections (a separated credential survives)."""
    with c.client(url, token, output) as sdk:
        for qid in qids:
            sdk.connections.delete(qid)
            if output is Output.table:
                c.say(f"deleted {qid}")


@app.command()
def duplicate(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str | None, typer.Option("--name", help="Name of the copy")] = None,
    space: Annotated[str | None, typer.Option(help="Space of the copy")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Copy a connection (and its credentials) under a new name or into another space."""
    with c.client(url, token, output) as sdk:
        made = sdk.connections.duplicate(DuplicateRequest(id=qid, name=name, spaceId=space))
    if output is Output.json:
        c.emit_json(made)
    else:
        c.say(f"created {made.qID} {made.qName}")


@app.command("test")
def run_test(
    qid: Annotated[str | None, typer.Argument(metavar="[ID]", help="A saved connection")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Test a definition")] = None,
    sets: SetOpt = None,
    file: FileOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Test a saved connection (or a definition with --source); exit 1 when it fails."""
    props, extra = _properties(sets, file)
    with c.client(url, token, output) as sdk, c.progress("Testing the connection...", output):
        if qid:
            ops = [
                PatchOp(op="add", path=f"/connectionProperties/{k}", value=v)
                for k, v in props.items()
            ]
            result = sdk.connections.test(qid, ops or None)
        else:
            source = source or extra.get("dataSourceId") or extra.get("datasourceID")
            if not source:
                raise c.usage("give a connection ID, or --source with --set / --file")
            result = sdk.connections.test_new(
                PropertiesConnectionCreate(
                    qName=extra.get("connectionName", "test"),
                    datasourceID=source,
                    connectionProperties=props,
                )
            )
    _show_test(result, output)


def _show_test(result: TestResult, output: Output) -> None:
    """The steps as a table (or the answer as JSON); exit 1 when the test failed."""
    if output is Output.json:
        c.emit_json(result)
    else:
        colour = "green" if result.passed else "red"
        grid = Table(
            title=f"test [{colour}]{result.status}[/{colour}]",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
            title_justify="left",
        )
        for column in ("name", "status", "elapsed", "code", "failure class"):
            right = column == "elapsed"
            grid.add_column(column, no_wrap=True, justify="right" if right else "left")
        grid.add_column("detail", overflow="fold", ratio=1)
        for step in result.steps:
            style = {"passed": "green", "failed": "red"}.get(step.status, "dim")
            grid.add_row(
                step.name,
                f"[{style}]{step.status}[/{style}]",
                f"{step.elapsedMs} ms",
                step.code or "",
                step.failureClass or "",
                step.detail or "",
            )
        c.out.print(grid)
    if not result.passed:
        raise typer.Exit(c.CLIENT_ERROR)


@app.command()
def browse(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    path: Annotated[str, typer.Argument(help="Where to list (default: the top)")] = "",
    limit: Annotated[int | None, typer.Option(min=1, max=1000, help="Page size")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List what is behind a connection: buckets, folders, files, tables."""
    with c.client(url, token, output) as sdk, c.progress(f"Browsing {path or '/'}...", output):
        if all_pages:
            entries = list(sdk.connections.iter_browse(qid, path, limit=limit))
        else:
            entries = sdk.connections.browse(qid, path, limit=limit).data
    if output is Output.json:
        c.emit_json(entries)
    else:
        c.table(entries, ("name", "type", "size", "modified", "path"))


@app.command()
def preview(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    path: Annotated[str, typer.Argument(help="Table or file ('' for a REST endpoint)")] = "",
    limit: Annotated[int | None, typer.Option(min=1, max=1000, help="Most rows")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show the first rows of a table (or JSON array), or the first bytes of a file."""
    with c.client(url, token, output) as sdk, c.progress(f"Reading {path or '/'}...", output):
        found = sdk.connections.preview(qid, path, limit=limit)
    if output is Output.json:
        c.emit_json(found)
    else:
        _show_preview(found)


def _show_preview(found: Preview) -> None:
    more = ", truncated" if found.truncated else ""
    if found.kind == "rows":
        grid = Table(title=f"{found.path or '/'} ({len(found.rows or [])} rows{more})")
        types = found.types or []
        for index, column in enumerate(found.columns or []):
            kind = f"\n[dim]{types[index]}[/dim]" if index < len(types) else ""
            grid.add_column(column + kind, overflow="fold")
        for row in found.rows or []:
            grid.add_row(*(c.cell(v) for v in row))
        c.out.print(grid)
    elif found.encoding == "base64":
        c.say(
            f"{found.bytesRead} bytes of binary content ({found.contentType or 'unknown'}{more});"
            " use --output json for the base64 text"
        )
    else:
        c.say(found.content or "")
        if found.truncated:
            c.err.print(f"(the first {found.bytesRead} bytes)", highlight=False)


@app.command()
def authorize(
    qid: Annotated[str, typer.Argument(metavar="ID", help=ID_HELP)],
    by_name: Annotated[bool, typer.Option("--by-name", help="ID is a connection name")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Print a new authorization URL for an OAuth connection (open it, consent; same id)."""
    with c.client(url, token, output) as sdk:
        found = sdk.connections.authorize(qid, by_name=by_name)
    if output is Output.json:
        c.emit_json(found)
    else:
        c.say(found.authUrl)
