"""``dcaas login``: check a URL and API key against the server, then save them (mode 0600)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from dcaas_client.cli import common as c
from dcaas_client.cli.common import Output
from dcaas_client.cli.config import load, save

KEY_HELP = "API key; prompted without echo when not given (safer than a flag)"
WRONG_KEY_HINT = (
    "check the key (it starts with dcaas_): `dcaas serve` prints the first admin key once, "
    "and `dcaas apikey create` makes more where the server runs; nothing was saved"
)


def login(
    url: Annotated[str | None, typer.Option("--url", help="Server URL")] = None,
    token: Annotated[str | None, typer.Option("--token", help=KEY_HELP)] = None,
) -> None:
    """Save the server URL and your API key in the user config file (mode 0600)."""
    saved = load()
    url = url or os.environ.get("DCAAS_URL") or saved.get("url")
    if not url:
        url = typer.prompt("Server URL", default="http://127.0.0.1:8080")
    key = token or os.environ.get("DCAAS_TOKEN") or typer.prompt("API key", hide_input=True)
    with c.client(url, key, Output.table, auth_hint=WRONG_KEY_HINT) as sdk:
        sdk.spaces.list()  # any authenticated call: a wrong key is refused before it is saved
    path = save(url, key)
    c.say(f"logged in to {url}; saved to {path}")
