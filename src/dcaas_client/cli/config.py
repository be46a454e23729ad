"""Where the CLI finds the server and the token: flags, then the environment, then the
config file written by ``dcaas login`` (``$XDG_CONFIG_HOME/dcaas/config.toml``, else
``~/.config/dcaas/config.toml``; mode 0600, in a 0700 directory)."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dcaas_client._settings import DEFAULT_URL


@dataclass(frozen=True)
class Target:
    url: str
    token: str | None


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dcaas" / "config.toml"


def load() -> dict[str, str]:
    """The saved url and token, or nothing when there is no (readable) config file."""
    path = config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return {}
    return {k: v for k, v in data.items() if k in ("url", "token") and isinstance(v, str)}


def save(url: str, token: str) -> Path:
    """Write url and token, readable by the user alone (created 0600, never wider)."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # TOML basic strings accept JSON's escapes for the characters a URL or token can hold.
    text = f"url = {json.dumps(url)}\ntoken = {json.dumps(token)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file may have been wider
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    return path


def resolve(url: str | None, token: str | None) -> Target:
    """Flags win over ``DCAAS_URL`` / ``DCAAS_TOKEN``, which win over the config file."""
    saved = load()
    return Target(
        url=url or os.environ.get("DCAAS_URL") or saved.get("url") or DEFAULT_URL,
        token=token or os.environ.get("DCAAS_TOKEN") or saved.get("token"),
    )
