"""The sealed columns of every table holding secrets, read and re-wrapped across all tenants.

Unlike the domain repositories this one is not scoped to a tenant: only the operator's
``dcaas keys`` commands use it, and it touches key ids and wrapped data keys, never
ciphertexts or plaintexts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, func, select, update

from dcaas.connection.models import Connection
from dcaas.credential.models import Credential
from dcaas.credential.vault import CONNECTION_SECRET, CREDENTIAL
from dcaas.webhook import vault as webhook_vault
from dcaas.webhook.models import Webhook

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute


@dataclass(frozen=True)
class SealedTable:
    """Where one kind of sealed record keeps its key id and wrapped data key."""

    kind: str
    model: type[Credential | Connection | Webhook]
    id: InstrumentedAttribute[str]
    tenant_id: InstrumentedAttribute[str]
    key_id: InstrumentedAttribute[Any]
    wrapped_key: InstrumentedAttribute[Any]


SEALED_TABLES = (
    SealedTable(
        CREDENTIAL,
        Credential,
        Credential.id,
        Credential.tenant_id,
        Credential.key_id,
        Credential.wrapped_key,
    ),
    SealedTable(
        CONNECTION_SECRET,
        Connection,
        Connection.id,
        Connection.tenant_id,
        Connection.secret_key_id,
        Connection.secret_wrapped_key,
    ),
    SealedTable(
        webhook_vault.KIND,
        Webhook,
        Webhook.id,
        Webhook.tenant_id,
        Webhook.sealed_key_id,
        Webhook.sealed_wrapped_key,
    ),
)


@dataclass(frozen=True)
class SealedRow:
    table: SealedTable
    id: str
    tenant_id: str
    key_id: str
    wrapped_key: bytes


class SealedRows:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self) -> dict[str, int]:
        """How many records each key id protects, over every sealed table."""
        totals: dict[str, int] = {}
        for table in SEALED_TABLES:
            rows = await self.session.execute(
                select(table.key_id, func.count())
                .where(table.key_id.is_not(None))
                .group_by(table.key_id)
            )
            for key_id, n in rows.tuples():
                totals[key_id] = totals.get(key_id, 0) + n
        return totals

    async def not_on(
        self, table: SealedTable, key_id: str, *, after: str, limit: int
    ) -> list[SealedRow]:
        """The next rows (by id, after ``after``) whose data key is not wrapped by ``key_id``."""
        rows = await self.session.execute(
            select(table.id, table.tenant_id, table.key_id, table.wrapped_key)
            .where(table.key_id.is_not(None), table.key_id != key_id, table.id > after)
            .order_by(table.id)
            .limit(limit)
        )
        return [SealedRow(table, *row) for row in rows.tuples()]

    async def swap_wrapped_key(self, row: SealedRow, key_id: str, wrapped_key: bytes) -> bool:
        """Store a re-wrapped data key unless the row changed since it was read.

        The condition on the old key id and wrapped key means a concurrent update (which
        re-seals the record with a fresh data key) wins, and is never overwritten here.
        """
        table = row.table
        stmt = (
            update(table.model)
            .where(table.id == row.id)
            .where(table.key_id == row.key_id, table.wrapped_key == row.wrapped_key)
            .values({table.key_id: key_id, table.wrapped_key: wrapped_key})
            .execution_options(synchronize_session=False)
        )
        result: CursorResult[Any] = await self.session.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1
