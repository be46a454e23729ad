"""What every client command shares: options, the client, output, and exit codes.

Exit codes (documented in ``dcaas --help`` and the README):

    0  success
    1  any other client error (400, 409, 412, 413, 429 ...), or a connection test that failed
    2  usage error (bad option, bad --set, unreadable --file)
    3  not found (404)
    4  authentication or permission failure (401, 403)
    5  server failure (5xx) or server unreachable
"""

from __future__ import annotations

import contextlib
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from dcaas_client import Client
from dcaas_client.cli.config import resolve
from dcaas_client.errors import (
    AuthenticationError,
    DcaasError,
    ForbiddenError,
    NotFoundError,
    ServerError,
    UnreachableError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

OK, CLIENT_ERROR, USAGE, NOT_FOUND, AUTH, SERVER = 0, 1, 2, 3, 4, 5
EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 other client error or failed test, 2 usage error, "
    "3 not found, 4 auth failure (401/403), 5 server failure or unreachable."
)

out = Console()
err = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"


URL_HELP = "Server URL (else DCAAS_URL, else the config file)"
KEY_HELP = "API key (else DCAAS_TOKEN, else the config file)"
UrlOpt = Annotated[str | None, typer.Option("--url", help=URL_HELP, show_default=False)]
TokenOpt = Annotated[str | None, typer.Option("--token", help=KEY_HELP, show_default=False)]
OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="table or json")]


def exit_code(error: DcaasError) -> int:
    if isinstance(error, NotFoundError):
        return NOT_FOUND
    if isinstance(error, AuthenticationError | ForbiddenError):
        return AUTH
    if isinstance(error, ServerError | UnreachableError):
        return SERVER
    return CLIENT_ERROR


def report(error: DcaasError, output: Output) -> None:
    """The error on stderr: the envelope item as JSON for scripts, one line for people."""
    if output is Output.json:
        item = {
            "code": error.code,
            "title": error.title,
            "detail": error.detail,
            "status": error.status,
            "meta": error.meta,
        }
        typer.echo(json.dumps({"error": item}, indent=2), err=True)
        return
    status = f"{error.status} " if error.status else ""
    err.print(f"[red]error[/red] {status}{error.code}: {error.detail}", highlight=False)
    if isinstance(error, AuthenticationError):
        err.print("hint: run `dcaas login`, or set DCAAS_TOKEN", highlight=False)


@contextlib.contextmanager
def client(url: str | None, token: str | None, output: Output) -> Iterator[Client]:
    """A client for the resolved target; SDK errors become a message and an exit code."""
    target = resolve(url, token)
    try:
        with Client(target.url, target.token) as sdk:
            yield sdk
    except DcaasError as error:
        report(error, output)
        raise typer.Exit(exit_code(error)) from None


@contextlib.contextmanager
def progress(message: str, output: Output) -> Iterator[None]:
    """A spinner on stderr for slow calls; silent when the output is for scripts."""
    if output is Output.json:
        yield
        return
    with err.status(message):
        yield


def dump(value: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    return [v.model_dump(mode="json", by_alias=True) for v in value]


def emit_json(value: BaseModel | Sequence[BaseModel]) -> None:
    typer.echo(json.dumps(dump(value), indent=2))  # plain: never wrapped or coloured


def table(rows: Sequence[BaseModel], columns: Sequence[str], title: str | None = None) -> None:
    grid = Table(title=title)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        data = row.model_dump(by_alias=True)
        grid.add_row(*(cell(data.get(c)) for c in columns))
    out.print(grid)


def record(value: BaseModel, hidden: Sequence[str] = ()) -> None:
    """One resource as a two-column table."""
    grid = Table(show_header=False)
    grid.add_column("field", style="bold")
    grid.add_column("value", overflow="fold")
    for key, val in value.model_dump(by_alias=True).items():
        if key not in hidden and val not in (None, [], {}):
            grid.add_row(key, cell(val))
    out.print(grid)


def show(value: BaseModel, output: Output, hidden: Sequence[str] = ()) -> None:
    if output is Output.json:
        emit_json(value)
    else:
        record(value, hidden)


def cell(value: Any) -> str:
    """A table cell: JSON for lists and objects, '' for None."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def say(message: str) -> None:
    """A plain line on stdout (never wrapped, so scripts can cut it)."""
    typer.echo(message)


def usage(message: str) -> typer.Exit:
    """A usage error: message on stderr, exit 2."""
    err.print(f"[red]usage[/red]: {message}", highlight=False)
    return typer.Exit(USAGE)
