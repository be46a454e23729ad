"""Expected failures of the server-side commands (serve, migrate, apikey, keys): one line on
stderr saying what went wrong, one saying what to do, and an exit code per kind.

The client commands' codes (0-5, :mod:`dcaas_client.cli.common`) keep their meaning; the
server-side commands add theirs after them.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, NoReturn

import typer
from pydantic import ValidationError

from dcaas.config import Settings
from dcaas.kit.crypto import KeyProviderError
from dcaas.kit.keyfile import KeyAdminError
from dcaas.store import (
    DATABASE_ERRORS,
    StoreMissing,
    StoreUnreachable,
    database_failure,
    describe,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

FAILED = 1  # the command could not do what was asked (e.g. a key still in use)
CONFIG = 6  # a DCAAS_* setting is invalid, or the data directory cannot be created
NO_STORE = 7  # no usable store where it looked (missing, no schema, schema out of date)
STORE_UNREACHABLE = 8  # the database server does not answer
ADDRESS_IN_USE = 9  # serve: the port is taken (or the address is not this machine's)

EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 refused or failed, 6 invalid DCAAS_* setting, 7 no usable store "
    "where it looked (nothing created), 8 database unreachable, 9 port in use."
)


class CommandFailed(Exception):
    """An expected failure with its hint and exit code."""

    def __init__(self, message: str, hint: str | None = None, code: int = FAILED) -> None:
        self.hint = hint
        self.code = code
        super().__init__(message)


def stop(message: str, hint: str | None, code: int) -> NoReturn:
    """Print the error and its hint on stderr, then end the command with ``code``."""
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"hint: {hint}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def expected_errors() -> Iterator[None]:
    """Turn the failures a user can cause or fix into :func:`stop` (no traceback)."""
    try:
        yield
    except CommandFailed as exc:
        stop(str(exc), exc.hint, exc.code)
    except StoreMissing as exc:
        stop(str(exc), exc.hint, NO_STORE)
    except StoreUnreachable as exc:
        stop(str(exc), exc.hint, STORE_UNREACHABLE)
    except (KeyAdminError, KeyProviderError) as exc:
        stop(str(exc), "see `dcaas keys status`", FAILED)


def load_settings() -> Settings:
    """The settings from the environment; an invalid one names its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            name = "_".join(str(p) for p in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"DCAAS_{name}: {message}" if name else message)
        hint = "fix the variable, or unset it to use the default"
        raise CommandFailed("; ".join(problems), hint, CONFIG) from None


def make_data_dir(settings: Settings) -> None:
    """Create the data directory (serve and migrate only)."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandFailed(
            f"cannot create the data directory {settings.data_dir.resolve()} "
            f"({type(exc).__name__}: {exc.strerror or exc})",
            "set DCAAS_DATA_DIR to a directory you can write",
            CONFIG,
        ) from None


def migrate_store(settings: Settings) -> None:
    """Bring the schema up to date (creating the store); a database that does not answer
    is one line, not Alembic's traceback."""
    from dcaas.kit.migrate import upgrade  # noqa: PLC0415 - Alembic loads only when migrating

    try:
        upgrade(settings.async_database_url)
    except DATABASE_ERRORS as exc:
        hint = "create the database first (e.g. createdb), or fix DCAAS_DATABASE_URL"
        raise database_failure(describe(settings), exc, missing_hint=hint) from None
