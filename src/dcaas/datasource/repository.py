from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.datasource.models import DataSourceSetting, Gateway
from dcaas.kit.repository import RepositoryBase

if TYPE_CHECKING:
    from collections.abc import Sequence


class DataSourceSettingRepository(RepositoryBase[DataSourceSetting]):
    model = DataSourceSetting

    async def get(self, data_source_id: str) -> DataSourceSetting | None:
        # The primary key is (tenant, data source): the identity map answers when it can.
        return await self.session.get(DataSourceSetting, (self.tenant_id, data_source_id))

    async def disabled_ids(self) -> set[str]:
        rows = await self.session.scalars(
            self.scoped(DataSourceSetting, DataSourceSetting.data_source_id).where(
                DataSourceSetting.disabled.is_(True)
            )
        )
        return set(rows.all())

    async def save(self, setting: DataSourceSetting) -> DataSourceSetting:
        merged = await self.session.merge(setting)
        await self.session.flush()
        return merged


class GatewayRepository(RepositoryBase[Gateway]):
    model = Gateway

    async def list(self) -> Sequence[Gateway]:
        return await self.all(self.readable().order_by(Gateway.name, Gateway.id))

    async def get(self, gateway_id: str) -> Gateway | None:
        return await self.one(self.readable().where(Gateway.id == gateway_id))

    async def by_name(self, name: str) -> Gateway | None:
        return await self.one(self.readable().where(Gateway.name == name))
