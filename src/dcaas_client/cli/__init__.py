"""The client half of the ``dcaas`` command, built on the SDK only.

:func:`register` adds ``login``, ``connections``, ``datasources``, ``credentials`` and
``spaces`` to a typer app (``dcaas.cli`` calls it), and ``engine``, ``gateways`` and
``webhooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas_client.cli.catalog import credentials, datasources, spaces
from dcaas_client.cli.common import EXIT_CODES_HELP
from dcaas_client.cli.connections import app as connections
from dcaas_client.cli.engine import engine, gateways
from dcaas_client.cli.login import login
from dcaas_client.cli.webhooks import app as webhooks

if TYPE_CHECKING:
    import typer

__all__ = ["EXIT_CODES_HELP", "register"]


def register(app: typer.Typer) -> None:
    app.info.epilog = EXIT_CODES_HELP
    app.command(help=f"{login.__doc__}\n\n{EXIT_CODES_HELP}")(login)
    app.add_typer(connections, name="connections", epilog=EXIT_CODES_HELP)
    app.add_typer(datasources, name="datasources", epilog=EXIT_CODES_HELP)
    app.add_typer(credentials, name="credentials", epilog=EXIT_CODES_HELP)
    app.add_typer(spaces, name="spaces", epilog=EXIT_CODES_HELP)
    app.add_typer(engine, name="engine", epilog=EXIT_CODES_HELP)
    app.add_typer(gateways, name="gateways", epilog=EXIT_CODES_HELP)
    app.add_typer(webhooks, name="webhooks", epilog=EXIT_CODES_HELP)
