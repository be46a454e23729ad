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
import os
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dcaas_client import Client
from dcaas_client.cli.config import resolve
from dcaas_client.errors import (
    ANONYMOUS_HINT,
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


def _width(stream: TextIO) -> int | None:
    """A terminal's own width; none for a pipe or file (unless COLUMNS says), so that what
    scripts read is never wrapped mid-sentence at rich's default of 80 columns."""
    if stream.isatty() or os.environ.get("COLUMNS"):
        return None
    return UNWRAPPED


UNWRAPPED = 10_000
out = Console(width=_width(sys.stdout))
err = Console(stderr=True, width=_width(sys.stderr))


class Output(StrEnum):
    table = "table"
    json = "json"


URL_HELP = "Server URL (else DCAAS_URL, else the config file)"
KEY_HELP = "API key (else DCAAS_TOKEN, else the config file)"
UrlOpt = Annotated[str | None, typer.Option("--url", help=URL_HELP, show_default=False)]
TokenOpt = Annotated[str | None, typer.Option("--token", help=KEY_HELP, show_default=False)]
OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="table or json")]


# The server speaks HTTP; the CLI's user types options. Its hints are said in those.
_CLI_WORDS = (
    ("add type=connectionname", "add --by-name"),
    (f"; {ANONYMOUS_HINT}", ""),  # the SDK's hint for Python callers; the CLI gives its own
)
NO_KEY_HINT = "no API key given: run `dcaas login`, set DCAAS_TOKEN, or pass --token"
REFUSED_KEY_HINT = (
    "the server refused the API key: check it, or make a new one "
    "(`dcaas apikey create` where the server runs), then run `dcaas login` again"
)


def exit_code(error: DcaasError) -> int:
    if isinstance(error, NotFoundError):
        return NOT_FOUND
    if isinstance(error, AuthenticationError | ForbiddenError):
        return AUTH
    if isinstance(error, ServerError | UnreachableError):
        return SERVER
    return CLIENT_ERROR


def report(error: DcaasError, output: Output, *, auth_hint: str | None = NO_KEY_HINT) -> None:
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
    detail = in_cli_words(error.detail)
    err.print(f"[red]error[/red] {status}{error.code}: {escape(detail)}", highlight=False)
    if isinstance(error, AuthenticationError) and auth_hint:
        err.print(f"hint: {auth_hint}", highlight=False)


def in_cli_words(detail: str) -> str:
    for server, cli in _CLI_WORDS:
        detail = detail.replace(server, cli)
    return detail


@contextlib.contextmanager
def client(
    url: str | None, token: str | None, output: Output, *, auth_hint: str | None = None
) -> Iterator[Client]:
    """A client for the resolved target; SDK errors become a message and an exit code."""
    target = resolve(url, token)
    hint = auth_hint or (REFUSED_KEY_HINT if target.token else NO_KEY_HINT)
    try:
        with Client(target.url, target.token) as sdk:
            yield sdk
    except DcaasError as error:
        report(error, output, auth_hint=hint)
        raise typer.Exit(exit_code(error)) from None


@contextlib.contextmanager
def progress(message: str, output: Output) -> Iterator[None]:
    """A spinner on stderr for slow calls, on a terminal only; silent for scripts."""
    if output is Output.json or not err.is_terminal:
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
    """A table cell: yes/no for booleans, JSON for lists and objects, '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
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
