"""``dcaas keys``: status, rotate, rewrap, retire (server side, on the configured store).

Output names key ids and counts only; key material never reaches the terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from dcaas.exits import EXIT_CODES_HELP, expected_errors, load_settings
from dcaas.keys.progress import Reporter
from dcaas.keys.providers import build_provider, key_admin
from dcaas.keys.service import (
    RewrapOptions,
    RewrapProgress,
    Sessions,
    retire,
    rewrap,
    rotate,
    status,
)
from dcaas.kit.crypto import KeyAdmin, KeyProvider
from dcaas.kit.db import create_engine, session_factory
from dcaas.store import require_key_file, require_store
from dcaas_client.cli.help import Typer

if TYPE_CHECKING:
    from dcaas.config import Settings

keys = Typer(
    help="Key-encryption keys: status, rotation, retirement (on the server's store)",
    no_args_is_help=True,
    epilog=EXIT_CODES_HELP,
)
T = TypeVar("T")
Work = Callable[[Sessions, KeyProvider, KeyAdmin], Awaitable[T]]


def _run(settings: Settings, work: Work[T]) -> T:
    """Run ``work`` on the configured store and provider; never creates either, and expected
    errors end the command with one line and a hint."""

    async def go() -> T:
        engine = create_engine(settings.async_database_url)
        try:
            provider = build_provider(settings)
            return await work(session_factory(engine), provider, key_admin(provider))
        finally:
            await engine.dispose()

    with expected_errors():
        require_store(settings)
        require_key_file(settings)
        return asyncio.run(go())


def _settings() -> Settings:
    with expected_errors():
        return load_settings()


def _options(settings: Settings, batch_size: int | None, reporter: Reporter) -> RewrapOptions:
    return RewrapOptions(
        batch_size=batch_size or settings.keys_rewrap_batch,
        pause=settings.keys_rewrap_pause,
        on_start=reporter.start,
        on_batch=reporter.batch,
    )


def _finish(progress: RewrapProgress) -> None:
    typer.echo(
        f"done: {progress.moved} re-wrapped, {progress.changed_meanwhile} changed meanwhile, "
        f"{progress.failed} failed, {progress.remaining} not on the active key"
    )
    if progress.remaining:
        typer.echo("some records are not on the active key: see 'dcaas keys status'", err=True)
        raise typer.Exit(1)


@keys.command("status")
def keys_status() -> None:
    """List each key id, its state and how many records it protects."""
    rows = _run(_settings(), lambda sessions, _provider, admin: status(sessions, admin))
    typer.echo(f"{'KEY ID':<44} {'STATE':<10} RECORDS")
    for row in rows:
        typer.echo(f"{row.key_id:<44} {row.state:<10} {row.records}")


@keys.command("rotate")
def keys_rotate(
    key_id: str = typer.Option(None, "--key-id", help="KMS: the key to rotate to (else created)"),
    new_key: bool = typer.Option(
        default=False, help="Add a new key even if an unfinished rotation is pending"
    ),
    batch_size: int = typer.Option(None, help="Records per transaction"),
) -> None:
    """Make a new key active and re-wrap every data key under it (resumes an unfinished one)."""
    settings = _settings()

    async def work(sessions: Sessions, provider: KeyProvider, admin: KeyAdmin) -> RewrapProgress:
        with Reporter.for_terminal() as reporter:
            added, progress = await rotate(
                sessions,
                provider,
                admin,
                new_key=key_id,
                force=new_key,
                options=_options(settings, batch_size, reporter),
            )
        typer.echo(
            f"new active key {added}"
            if added
            else f"resumed the rotation to {provider.active_key_id}"
        )
        return progress

    _finish(_run(settings, work))


@keys.command("rewrap")
def keys_rewrap(batch_size: int = typer.Option(None, help="Records per transaction")) -> None:
    """Re-wrap every data key not under the active key (finishes an interrupted rotation)."""
    settings = _settings()

    async def work(sessions: Sessions, provider: KeyProvider, _admin: KeyAdmin) -> RewrapProgress:
        with Reporter.for_terminal() as reporter:
            return await rewrap(sessions, provider, _options(settings, batch_size, reporter))

    _finish(_run(settings, work))


@keys.command("retire")
def keys_retire(key_id: str = typer.Argument(..., help="The key id to retire")) -> None:
    """Retire a key no record uses any more; it can no longer open anything afterwards."""
    _run(_settings(), lambda sessions, _provider, admin: retire(sessions, admin, key_id))
    typer.echo(f"retired {key_id}")
