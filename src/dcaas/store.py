"""Where the store is, and whether it exists: one answer for every command, from any directory.

The data directory is ``DCAAS_DATA_DIR`` when set, else ``$XDG_DATA_HOME/dcaas`` (by default
``~/.local/share/dcaas``), never the current directory: ``dcaas serve`` started in one
directory and ``dcaas apikey create`` run from another find the same SQLite file and key file.
``DCAAS_DATABASE_URL`` moves the database elsewhere (PostgreSQL); the key file stays in the
data directory.

Only ``dcaas serve`` and ``dcaas migrate`` create a store. Every other command that reads or
changes one calls :func:`require_store` first, which opens nothing for writing and raises
:class:`StoreMissing` (saying where it looked and how to point elsewhere) instead.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from dcaas.kit.db import create_engine
from dcaas.kit.migrate import head_revision

if TYPE_CHECKING:
    from dcaas.config import Settings

_SCHEMA_TABLE = "alembic_version"
_VERSION = "SELECT version_num FROM alembic_version"
POINT_ELSEWHERE = (
    "set DCAAS_DATA_DIR (or DCAAS_DATABASE_URL) to the server's store, "
    "or run `dcaas migrate` to create a new one here"
)


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/dcaas``, else ``~/.local/share/dcaas`` (an absolute path)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "dcaas"


class StoreMissing(Exception):
    """There is no dcaas store where the settings point; nothing was created."""

    def __init__(self, message: str, hint: str = POINT_ELSEWHERE) -> None:
        self.hint = hint
        super().__init__(message)


class StoreUnreachable(Exception):
    """The database server does not answer (refused, timed out, authentication failed)."""

    def __init__(self, message: str, hint: str) -> None:
        self.hint = hint
        super().__init__(message)


def describe(settings: Settings) -> str:
    """The store in words, without a password: ``SQLite /path/dcaas.db`` or a PostgreSQL URL."""
    if settings.is_sqlite:
        return f"SQLite {sqlite_path(settings)}"
    url = make_url(settings.async_database_url).set(drivername="postgresql")
    return f"PostgreSQL {url.render_as_string(hide_password=True)}"


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.async_database_url).database or ""
    return Path(database).resolve()


def require_store(settings: Settings) -> None:
    """Raise :class:`StoreMissing` unless the configured store exists and has dcaas's schema;
    :class:`StoreUnreachable` when its database server does not answer. Creates nothing."""
    if settings.is_sqlite:
        _require_sqlite(settings)
    else:
        asyncio.run(_require_server(settings))


def require_key_file(settings: Settings) -> None:
    """The local key file must exist for commands that use the keys (a new one would not
    open anything the server sealed)."""
    local = settings.key_provider == "local" and settings.encryption_key is None
    if local and not settings.key_file.exists():
        raise StoreMissing(
            f"no key file at {settings.key_file.resolve()} (`dcaas serve` makes it on its "
            "first start)",
            "set DCAAS_DATA_DIR to the server's data directory (where its keys.json is), "
            "or DCAAS_ENCRYPTION_KEY to the server's key",
        )


def _require_sqlite(settings: Settings) -> None:
    path = sqlite_path(settings)
    if not path.is_file():
        raise StoreMissing(f"no dcaas store at {path}", _hint_for_stray(settings))
    try:
        # Read-only: connecting the usual way would create an empty file.
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_SCHEMA_TABLE,)
            ).fetchone()
            version = conn.execute(_VERSION).fetchone() if found else None
    except sqlite3.Error as exc:
        raise StoreMissing(f"{path} is not a dcaas store ({exc})") from None
    _check_revision(f"SQLite {path}", found is not None, version[0] if version else None)


async def _require_server(settings: Settings) -> None:
    where = describe(settings)
    engine = create_engine(settings.async_database_url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM information_schema.tables WHERE table_name = :name"),
                {"name": _SCHEMA_TABLE},
            )
            version = await conn.scalar(text(_VERSION)) if found else None
    except DATABASE_ERRORS as exc:
        hint = "fix DCAAS_DATABASE_URL, or create the database and run `dcaas migrate`"
        raise database_failure(where, exc, missing_hint=hint) from None
    finally:
        await engine.dispose()
    _check_revision(where, found is not None, version)


def _check_revision(where: str, has_schema: bool, version: str | None) -> None:
    if not has_schema:
        raise StoreMissing(f"{where} has no dcaas schema", "run `dcaas migrate` to create it")
    needed = head_revision()
    if version != needed:
        raise StoreMissing(
            f"{where} has schema revision {version}, this dcaas needs {needed}",
            "run `dcaas migrate` (dcaas serve also migrates when it starts)",
        )


def stray_store(settings: Settings) -> Path | None:
    """``./data/dcaas.db``, the default store of earlier versions, when it is here and the
    settings point elsewhere by default (not by choice)."""
    old = Path("data") / "dcaas.db"
    chosen = {"data_dir", "database_url"} & settings.model_fields_set
    if chosen or not settings.is_sqlite or not old.is_file():
        return None
    return None if old.resolve() == sqlite_path(settings) else old.resolve()


def _hint_for_stray(settings: Settings) -> str:
    old = stray_store(settings)
    if old is None:
        return POINT_ELSEWHERE
    return f"a store from an earlier version is at {old}: DCAAS_DATA_DIR={old.parent} uses it"


# What a database server's absence looks like: the socket's errors, SQLAlchemy's wrappers,
# and asyncpg's own errors (raised unwrapped while connecting).
DATABASE_ERRORS = (OSError, SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError)


def database_failure(
    where: str, exc: BaseException, *, missing_hint: str
) -> StoreMissing | StoreUnreachable:
    """A missing database (the server answers, the database does not exist), or a server
    that does not answer."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    # SQLAlchemy's asyncpg adapter keeps asyncpg's own error as the cause of its wrapper.
    if any(isinstance(e, asyncpg.InvalidCatalogNameError) for e in (cause, cause.__cause__)):
        return StoreMissing(f"no database at {where}", missing_hint)
    return unreachable(where, exc)


def unreachable(where: str, exc: BaseException) -> StoreUnreachable:
    """The error for a database server that did not answer (the cause's type, one line)."""
    cause = getattr(exc, "orig", None) or exc
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    reason = f"{type(cause).__name__}: {first_line}" if first_line else type(cause).__name__
    return StoreUnreachable(
        f"cannot connect to the database {where} ({reason})",
        "check that the database server runs and DCAAS_DATABASE_URL is right",
    )
