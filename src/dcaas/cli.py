"""The ``dcaas`` command: serve, migrate, apikey, keys (server side); the client commands
(login, connections, datasources, credentials, spaces) come from ``dcaas_client.cli``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from dcaas import observability
from dcaas.config import Settings
from dcaas.keys.commands import keys
from dcaas.kit.migrate import upgrade
from dcaas_client.cli import register as register_client_commands

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(help="dcaas: Data Connections as a Service", no_args_is_help=True)
apikey = typer.Typer(help="API keys", no_args_is_help=True)
app.add_typer(apikey, name="apikey")
app.add_typer(keys, name="keys")
register_client_commands(app)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.async_database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind (default DCAAS_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default DCAAS_PORT or 8080)"),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Run the HTTP API."""
    import uvicorn  # noqa: PLC0415

    from dcaas.app import build_state  # noqa: PLC0415
    from dcaas.bootstrap import bootstrap  # noqa: PLC0415

    settings = Settings()
    if problems := settings.serving_problems():
        for problem in problems:
            typer.echo(f"dcaas serve: {problem}", err=True)
        raise typer.Exit(2)
    observability.configure_logging(settings.log_level, observability.log_format(settings))
    observability.reset_multiprocess_dir()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.auto_migrate:
        upgrade(settings.async_database_url)
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.bootstrap:
        state = build_state(settings)
        issued = asyncio.run(bootstrap(state.sessions))
        asyncio.run(state.engine.dispose())
        if issued is not None:
            url = f"http://{bind_host}:{bind_port}"
            typer.echo(
                "\nFirst start: created tenant 'default' and admin user 'admin'.\n"
                "Admin API key (shown once; store it now):\n\n"
                f"  {issued.token}\n\n"
                "Try it:\n\n"
                f"  curl -H 'Authorization: Bearer {issued.token}' {url}/api/v1/data-sources\n"
            )
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


def served_app() -> FastAPI:
    """The app as ``dcaas serve`` runs it: logging configured in each worker process."""
    from dcaas.app import create_app  # noqa: PLC0415

    settings = Settings()
    observability.configure_logging(settings.log_level, observability.log_format(settings))
    return create_app(settings)


@apikey.command("create")
def apikey_create(
    tenant: str = typer.Option(..., help="Tenant name (created when missing)"),
    user: str = typer.Option(..., help="User name (created when missing)"),
    admin: bool = typer.Option(False, "--admin", help="Make the user a tenant admin"),
) -> None:
    """Create an API key; the key is printed alone on the last line."""
    from dcaas.app import build_state  # noqa: PLC0415
    from dcaas.bootstrap import create_key  # noqa: PLC0415

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.async_database_url)
    state = build_state(settings)

    async def run() -> str:
        try:
            issued = await create_key(state.sessions, tenant=tenant, user=user, admin=admin)
            return issued.token
        finally:
            await state.engine.dispose()

    token = asyncio.run(run())
    typer.echo(f"API key for {user} in tenant {tenant}{' (admin)' if admin else ''}:")
    typer.echo(token)


def main() -> None:
    app()
