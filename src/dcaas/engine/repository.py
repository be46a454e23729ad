from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcaas.connection.models import Connection
from dcaas.engine.models import EngineEndpoint, EngineRelease
from dcaas.kit.listing import Keyset
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement


RELEASES = Keyset({"created": EngineRelease.created}, EngineRelease.id)


class ReleaseRepository(RepositoryBase[EngineRelease]):
    model = EngineRelease

    def where(self, connection_id: str | None) -> ColumnElement[bool] | None:
        return EngineRelease.connection_id == connection_id if connection_id else None


class EndpointRepository(RepositoryBase[EngineEndpoint]):
    model = EngineEndpoint

    async def list(self, data_source_id: str | None = None) -> Sequence[EngineEndpoint]:
        stmt = self.readable()
        if data_source_id is not None:
            stmt = stmt.where(EngineEndpoint.data_source_id == data_source_id)
        return await self.all(stmt.order_by(EngineEndpoint.created, EngineEndpoint.id))

    async def get(self, endpoint_id: str) -> EngineEndpoint | None:
        return await self.one(self.readable().where(EngineEndpoint.id == endpoint_id))


class StatementRepository(RepositoryBase[Connection]):
    """Connections found by their connect statement (the engine's fourth way to ask)."""

    model = Connection

    async def by_statement(self, statement: str, space_ids: Sequence[str]) -> Sequence[Any]:
        stmt = (
            self.readable()
            .where(Connection.connect_statement == statement, Connection.space_id.in_(space_ids))
            .order_by(Connection.created, Connection.id)
            .limit(2)
        )
        return await self.all(stmt)
