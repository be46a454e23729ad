from __future__ import annotations

from dcaas.datasource.models import DataSourceSetting
from dcaas.kit.repository import RepositoryBase


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
