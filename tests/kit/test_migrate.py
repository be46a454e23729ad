"""The Alembic migrations and the models describe the same schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from dcaas.kit.migrate import upgrade
from dcaas.models import Base

if TYPE_CHECKING:
    from pathlib import Path


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """Upgrading to head gives exactly the tables, columns and indexes the models declare."""
    path = tmp_path / "schema.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
