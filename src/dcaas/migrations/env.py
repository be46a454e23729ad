"""Alembic environment: async engines (aiosqlite, asyncpg), one migration lock on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from alembic import context
from sqlalchemy import text

from dcaas.kit.db import create_engine
from dcaas.models import Base

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection as SyncConnection

config = context.config
target_metadata = Base.metadata
# Replicas starting together: only one migrates, the others wait and find nothing to do.
_MIGRATION_LOCK = 72_436_109


def _run(connection: SyncConnection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
