from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from dcaas.datasource.models import DataSourceSetting

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class DataSourceSettingRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, data_source_id: str) -> DataSourceSetting | None:
        return await self.session.get(DataSourceSetting, (self.tenant_id, data_source_id))

    async def disabled_ids(self) -> set[str]:
        rows = await self.session.scalars(
            select(DataSourceSetting.data_source_id).where(
                DataSourceSetting.tenant_id == self.tenant_id, DataSourceSetting.disabled.is_(True)
            )
        )
        return set(rows.all())

    async def save(self, setting: DataSourceSetting) -> DataSourceSetting:
        merged = await self.session.merge(setting)
        await self.session.flush()
        return merged
