"""Run Alembic programmatically (``dcaas migrate``, and on server start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

_SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Synchronous: call it off the event loop."""
    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The schema revision this version of dcaas needs."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
