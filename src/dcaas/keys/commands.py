"""``dcaas keys``: status, rotate, rewrap, retire (server side, on the configured store).

Output names key ids and counts only; key material never reaches the terminal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from dcaas.config import Settings
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
from dcaas.kit.crypto import KeyAdmin, KeyProvider, KeyProviderError
from dcaas.kit.db import create_engine, session_factory
from dcaas.kit.keyfile import KeyAdminError

keys = typer.Typer(help="Key-encryption keys: status, rotation, retirement", no_args_is_help=True)
T = TypeVar("T")
Work = Callable[[Sessions, KeyProvider, KeyAdmin], Awaitable[T]]


def _run(work: Work[T]) -> T:
    """Run ``work`` with the configured store and provider; errors end the command cleanly."""
    settings = Settings()

    async def go() -> T:
        engine = create_engine(settings.async_database_url)
        try:
            provider = build_provider(settings)
            return await work(session_factory(engine), provider, key_admin(provider))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except (KeyAdminError, KeyProviderError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _options(batch_size: int | None) -> RewrapOptions:
    settings = Settings()

    def report(p: RewrapProgress) -> None:
        typer.echo(
            f"re-wrapped {p.moved} (changed meanwhile {p.changed_meanwhile}, failed {p.failed})"
        )

    return RewrapOptions(
        batch_size=batch_size or settings.keys_rewrap_batch,
        pause=settings.keys_rewrap_pause,
        on_batch=report,
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
    rows = _run(lambda sessions, _provider, admin: status(sessions, admin))
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
    options = _options(batch_size)

    async def work(sessions: Sessions, provider: KeyProvider, admin: KeyAdmin) -> RewrapProgress:
        added, progress = await rotate(
            sessions, provider, admin, new_key=key_id, force=new_key, options=options
        )
        typer.echo(
            f"new active key {added}"
            if added
            else f"resumed the rotation to {provider.active_key_id}"
        )
        return progress

    _finish(_run(work))


@keys.command("rewrap")
def keys_rewrap(batch_size: int = typer.Option(None, help="Records per transaction")) -> None:
    """Re-wrap every data key not under the active key (finishes an interrupted rotation)."""
    options = _options(batch_size)
    _finish(_run(lambda sessions, provider, _admin: rewrap(sessions, provider, options)))


@keys.command("retire")
def keys_retire(key_id: str = typer.Argument(..., help="The key id to retire")) -> None:
    """Retire a key no record uses any more; it can no longer open anything afterwards."""
    _run(lambda sessions, _provider, admin: retire(sessions, admin, key_id))
    typer.echo(f"retired {key_id}")
