"""``dcaas datasources``, ``dcaas credentials``, ``dcaas spaces`` (with assignments) and
``dcaas users``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output, OutputOpt, TokenOpt, UrlOpt
from dcaas_client.cli.help import Typer
from dcaas_client.cli.properties import kind
from dcaas_client.models import (
    ApiModel,
    AssignmentCreate,
    OrphanFilter,
    QriItem,
    QriProperty,
    Role,
    SpaceCreate,
)

datasources = Typer(help="Data sources and their property specs.", no_args_is_help=True)
credentials = Typer(help="Data credentials (secrets are never shown).", no_args_is_help=True)
spaces = Typer(help="Spaces and their members.", no_args_is_help=True)
assignments = Typer(help="Members of a space and their roles.", no_args_is_help=True)
spaces.add_typer(assignments, name="assignments")
users = Typer(help="The people of your tenant (to name them in spaces).", no_args_is_help=True)


def _rows(rows: list[Any], columns: tuple[str, ...], output: Output) -> None:
    if output is Output.json:
        c.emit_json(rows)
    else:
        c.table(rows, columns)


# -- data sources -------------------------------------------------------------------------
@datasources.command("list")
def sources_list(
    include_disabled: Annotated[bool, typer.Option("--include-disabled")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the data sources."""
    with c.client(url, token, output) as sdk:
        rows = sdk.data_sources.list(include_disabled=include_disabled)
    _rows(rows, ("dataSourceId", "name", "provider", "disabled"), output)


class _Property(ApiModel):
    name: str
    type: str
    required: bool
    secret: bool
    description: str = ""


@datasources.command("spec")
def sources_spec(
    source: Annotated[str, typer.Argument(metavar="DATA_SOURCE_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show the properties a data source takes (required, secret)."""
    with c.client(url, token, output) as sdk:
        spec = sdk.data_sources.api_spec(source)
    if output is Output.json:
        c.emit_json(spec)
        return
    rows = [
        _Property(
            name=n,
            type=p.get("format") or kind(p),
            required=n in spec.required,
            secret=spec.is_secret(n),
            description=str(p.get("description", "")),
        )
        for n, p in spec.properties.items()
    ]
    c.table(rows, ("name", "type", "required", "secret", "description"), title=source)


@datasources.command("qri")
def sources_qri(
    connection: Annotated[str, typer.Argument(help="A connection id, name or connect statement")],
    by: Annotated[
        str, typer.Option("--by", help="How CONNECTION names it: id, name or properties")
    ] = "id",
    source: Annotated[
        str | None, typer.Option("--source", help="The data source (with --by properties)")
    ] = None,
    space: Annotated[str | None, typer.Option("--space", help="The space (with --by name)")] = None,
    path: Annotated[
        list[str] | None, typer.Option("--path", help="A path value, in order (repeatable)")
    ] = None,
    hashed: Annotated[bool, typer.Option("--hashed", help="Hash the connection part")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Build a connection's QRI (Qlik Resource Identifier) from its data source's templates."""
    if by not in ("id", "name", "properties"):
        raise c.usage("--by must be id, name or properties")
    item = QriItem(
        connection=connection,
        connectionType=by,
        dataSourceId=source,
        spaceId=space,
        pathProperties=[QriProperty(value=v) for v in path] if path else None,
    )
    with c.client(url, token, output) as sdk:
        [result] = sdk.data_sources.generate_qri([item], raw=not hashed)
    if output is Output.json:
        c.emit_json(result)
    elif result.ok:
        c.say(result.qri)
    if not result.ok:
        error = result.status.errorResponse if result.status else None
        detail = (error or {}).get("errorMessage", "the QRI could not be built")
        if output is not Output.json:
            typer.echo(f"error: {detail}", err=True)
        code = result.status.code if result.status else 400
        raise typer.Exit(c.NOT_FOUND if code == 404 else c.CLIENT_ERROR)  # noqa: PLR2004


# -- credentials --------------------------------------------------------------------------
@credentials.command("list")
def credentials_list(
    filter: Annotated[str | None, typer.Option(help="SCIM filter")] = None,  # noqa: A002
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List credentials (metadata only)."""
    with c.client(url, token, output) as sdk:
        if all_pages:
            rows = list(sdk.credentials.iter(limit=limit, filter=filter))
        else:
            rows = sdk.credentials.list(limit=limit, filter=filter).data
    _rows(rows, ("qID", "qName", "datasourceID", "qConnCount", "qSeparated"), output)


@credentials.command("get")
def credentials_get(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    by_name: Annotated[bool, typer.Option("--by-name", help="ID is a credential name")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one credential's metadata."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.credentials.get(qid, by_name=by_name), output, hidden=("links",))


@credentials.command("delete")
def credentials_delete(
    qid: Annotated[str, typer.Argument(metavar="ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Delete a credential no connection uses."""
    with c.client(url, token, output) as sdk:
        sdk.credentials.delete(qid)
    if output is Output.table:
        c.say(f"deleted {qid}")


@credentials.command("orphans")
def credentials_orphans(
    source: Annotated[str | None, typer.Option("--source", help="Only this data source")] = None,
    separated: Annotated[bool | None, typer.Option("--separated/--embedded")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List credentials no connection uses any more."""
    sep = None if separated is None else int(separated)
    flt = OrphanFilter(datasourceID=source, qSeparated=sep)
    with c.client(url, token, output) as sdk:
        rows = sdk.credentials.orphans(flt)
    _rows(rows, ("qID", "qName", "datasourceID", "user", "updated"), output)


# -- spaces -------------------------------------------------------------------------------
SPACE_COLUMNS = ("id", "name", "type", "ownerId", "description")


@spaces.command("list")
def spaces_list(
    url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table
) -> None:
    """List your personal space and the shared spaces you belong to."""
    with c.client(url, token, output) as sdk:
        _rows(sdk.spaces.list(), SPACE_COLUMNS, output)


@spaces.command("get")
def spaces_get(
    space_id: Annotated[str, typer.Argument(metavar="SPACE_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one space."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.spaces.get(space_id), output)


@spaces.command("create")
def spaces_create(
    name: Annotated[str, typer.Argument()],
    description: Annotated[str | None, typer.Option()] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Create a shared space that you own."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.spaces.create(SpaceCreate(name=name, description=description)), output)


@spaces.command("delete")
def spaces_delete(
    space_id: Annotated[str, typer.Argument(metavar="SPACE_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Delete an empty shared space."""
    with c.client(url, token, output) as sdk:
        sdk.spaces.delete(space_id)
    if output is Output.table:
        c.say(f"deleted {space_id}")


@assignments.command("list")
def assignments_list(
    space_id: Annotated[str, typer.Argument(metavar="SPACE_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the members of a space."""
    with c.client(url, token, output) as sdk:
        _rows(sdk.spaces.assignments(space_id), ("id", "assigneeId", "roles"), output)


@assignments.command("add")
def assignments_add(
    space_id: Annotated[str, typer.Argument(metavar="SPACE_ID")],
    user_id: Annotated[str, typer.Argument(metavar="USER", help="The user's id, name or e-mail")],
    role: Annotated[
        list[str], typer.Option(help="A role: producer, facilitator, consumer, dataconsumer")
    ],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Give a user roles in a shared space."""
    allowed = ("producer", "facilitator", "consumer", "dataconsumer")
    if bad := [r for r in role if r not in allowed]:
        raise c.usage(f"unknown role {bad[0]!r}; use one of {', '.join(allowed)}")
    roles: list[Role] = [r for r in role if r in allowed]  # type: ignore[misc]
    with c.client(url, token, output) as sdk:
        made = sdk.spaces.assign(space_id, AssignmentCreate(assigneeId=user_id, roles=roles))
    c.show(made, output)


@assignments.command("remove")
def assignments_remove(
    space_id: Annotated[str, typer.Argument(metavar="SPACE_ID")],
    assignment_id: Annotated[str, typer.Argument(metavar="ASSIGNMENT_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Remove a user's roles from a space."""
    with c.client(url, token, output) as sdk:
        sdk.spaces.unassign(space_id, assignment_id)
    if output is Output.table:
        c.say(f"removed {assignment_id}")


# -- users --------------------------------------------------------------------------------
USER_COLUMNS = ("id", "name", "email", "subject")


@users.command("list")
def users_list(
    filter_: Annotated[
        str | None,
        typer.Option("--filter", help="Qlik's SCIM filter, e.g. 'name co \"bo\"'"),
    ] = None,
    sort: Annotated[str | None, typer.Option(help="+name, -createdAt, ...")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the users of your tenant (every page)."""
    with c.client(url, token, output) as sdk:
        found = list(sdk.users.iter(filter=filter_, sort=sort, limit=100))
    _rows(found, USER_COLUMNS, output)


@users.command("get")
def users_get(
    user_id: Annotated[str, typer.Argument(metavar="USER_ID")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one user of your tenant."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.users.get(user_id), output)


@users.command("me")
def users_me(url: UrlOpt = None, token: TokenOpt = None, output: OutputOpt = Output.table) -> None:
    """Show who you are signed in as."""
    with c.client(url, token, output) as sdk:
        c.show(sdk.users.me(), output)
