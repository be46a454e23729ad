"""The ``dcaas`` command: serve, migrate, apikey, keys (server side); the client commands
(login, connections, datasources, credentials, spaces) come from ``dcaas_client.cli``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import typer

from dcaas import observability, profile
from dcaas.config import Settings
from dcaas.exits import (
    CONFIG,
    EXIT_CODES_HELP,
    CommandFailed,
    expected_errors,
    load_settings,
    make_data_dir,
    migrate_store,
)
from dcaas.keys.commands import keys
from dcaas.kit.db import create_engine, session_factory
from dcaas.ports import ensure_free
from dcaas.store import describe, require_store, stray_store
from dcaas_client.cli import register as register_client_commands
from dcaas_client.cli.help import Typer

if TYPE_CHECKING:
    from fastapi import FastAPI

app = Typer(help="dcaas: Data Connections as a Service", no_args_is_help=True)
apikey = Typer(help="API keys", no_args_is_help=True)
app.add_typer(apikey, name="apikey")
app.add_typer(keys, name="keys")
log = logging.getLogger("dcaas")
register_client_commands(app)


@app.command(epilog=EXIT_CODES_HELP)
def migrate() -> None:
    """Bring the database schema up to date (creates the store when there is none)."""
    with expected_errors():
        settings = load_settings()
        make_data_dir(settings)
        migrate_store(settings)
    typer.echo(f"database is up to date: {describe(settings)}")


@app.command(epilog=EXIT_CODES_HELP)
def serve(
    host: str = typer.Option(None, help="Address to bind (default DCAAS_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default DCAAS_PORT or 8080)"),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Run the HTTP API (migrates the store, and creates it on first start)."""
    # The server's parts load only for the server's commands: the client commands (the SDK)
    # start without them.
    import uvicorn  # noqa: PLC0415 - see above

    with expected_errors():
        settings = load_settings()
        if problems := settings.serving_problems():
            raise CommandFailed(
                "; ".join(problems), "or run the development profile: make run", CONFIG
            )
        observability.configure_logging(settings.log_level, observability.log_format(settings))
        if notice := profile.announcement(settings):
            log.warning(notice)
        bind_host, bind_port = host or settings.host, port or settings.port
        ensure_free(bind_host, bind_port)
        observability.reset_multiprocess_dir()
        _open_store(settings)
        if settings.bootstrap:
            _bootstrap(settings, f"http://{bind_host}:{bind_port}")
    # Our access line replaces uvicorn's; log_config=None leaves our logging configuration be.
    uvicorn.run(
        "dcaas.cli:served_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
    )


def _open_store(settings: Settings) -> None:
    """Create or migrate the store, saying where it is (and where an older one was left)."""
    if (old := stray_store(settings)) is not None:
        log.warning(
            "%s (the store of earlier versions) is not used: the store is now in %s; "
            "set DCAAS_DATA_DIR=%s to keep using the old one",
            old,
            settings.data_dir,
            old.parent,
        )
    log.info("store: %s; data directory %s", describe(settings), settings.data_dir.resolve())
    make_data_dir(settings)
    if settings.auto_migrate:
        migrate_store(settings)


def _bootstrap(settings: Settings, url: str) -> None:
    """On an empty store: the default tenant, its admin, and the admin's key, shown once."""
    from dcaas.app import build_state  # noqa: PLC0415 - the server's parts load only to serve
    from dcaas.bootstrap import bootstrap  # noqa: PLC0415 - ditto

    state = build_state(settings)
    issued = asyncio.run(bootstrap(state.sessions))
    asyncio.run(state.engine.dispose())
    if issued is not None:
        typer.echo(
            "\nFirst start: created tenant 'default' and admin user 'admin'.\n"
            "Admin API key (shown once; store it now):\n\n"
            f"  {issued.token}\n\n"
            "Try it:\n\n"
            f"  curl -H 'Authorization: Bearer {issued.token}' {url}/api/v1/data-sources\n\n"
            "The SDK and the CLI (in .venv/bin, or after `source .venv/bin/activate`) read:\n\n"
            f"  export DCAAS_URL={url} DCAAS_TOKEN={issued.token}\n"
        )


def served_app() -> FastAPI:
    """The app as ``dcaas serve`` runs it: logging configured in each worker process."""
    from dcaas.app import create_app  # noqa: PLC0415 - the server loads only to serve

    settings = Settings()
    observability.configure_logging(settings.log_level, observability.log_format(settings))
    return create_app(settings)


@apikey.command("create", epilog=EXIT_CODES_HELP)
def apikey_create(
    tenant: str = typer.Option(..., help="Tenant name (created when missing)"),
    user: str = typer.Option(..., help="User name (created when missing)"),
    admin: bool = typer.Option(False, "--admin", help="Make the user a tenant admin"),
    engine: bool = typer.Option(
        False,
        "--engine",
        help="An engine key: it may call the engine endpoints, which hand out the secrets of "
        "the connections this user may use (revoke it with DELETE /api/v1/api-keys/{id})",
    ),
) -> None:
    """Create an API key in the server's store; the key is printed alone on the last line.

    The store must exist: `dcaas serve` or `dcaas migrate` creates it, this command never does.
    """
    from dcaas.bootstrap import create_key  # noqa: PLC0415 - the client commands start without it

    with expected_errors():
        settings = load_settings()
        require_store(settings)

        async def run() -> str:
            db = create_engine(settings.async_database_url)
            try:
                sessions = session_factory(db)
                issued = await create_key(
                    sessions, tenant=tenant, user=user, admin=admin, engine=engine
                )
                return issued.token
            finally:
                await db.dispose()

        token = asyncio.run(run())
    typer.echo(f"store: {describe(settings)}", err=True)
    kinds = [k for k, on in (("admin", admin), ("engine", engine)) if on]
    kind = f" ({', '.join(kinds)})" if kinds else ""
    typer.echo(f"API key for {user} in tenant {tenant}{kind}:")
    typer.echo(token)


def main() -> None:
    app()
