"""The catalog as a tenant sees it: which data sources exist and which are enabled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.connectors import DataSource, all_data_sources, get_data_source
from dcaas.datasource.models import DataSourceSetting
from dcaas.datasource.repository import DataSourceSettingRepository, GatewayRepository
from dcaas.errors import Code, Forbidden, NotFound, ValidationFailed
from dcaas.kit.time import utcnow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal

DISABLED_TITLE = "Data source is not enabled."


class DataSourceService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.principal = principal
        self.repo = DataSourceSettingRepository(session, principal.tenant_id)
        self.gateways = GatewayRepository(session, principal.tenant_id)

    async def list(
        self, *, data_source_id: str | None, include_disabled: bool
    ) -> list[tuple[DataSource, bool]]:
        disabled = await self.repo.disabled_ids()
        out = []
        for source in all_data_sources():
            if data_source_id and source.id != data_source_id:
                continue
            is_disabled = source.id in disabled
            if is_disabled and not include_disabled:
                continue
            out.append((source, is_disabled))
        if data_source_id and not out:
            raise NotFound(
                f"data source {data_source_id!r} not found or not enabled",
                code=Code.DATASOURCE_NOT_FOUND,
            )
        return out

    async def enabled(self, data_source_id: str) -> DataSource:
        """A data source that exists and is enabled for this tenant (404 otherwise)."""
        source = get_data_source(data_source_id)
        if source is None or data_source_id in await self.repo.disabled_ids():
            raise NotFound(
                f"data source {data_source_id!r} not found or not enabled",
                code=Code.DATASOURCE_NOT_FOUND,
                meta={"dataSourceId": data_source_id},
            )
        return source

    async def require_enabled_for_create(self, data_source_id: str) -> None:
        setting = await self.repo.get(data_source_id)
        if setting is not None and setting.disabled:
            raise Forbidden(
                f"data source {data_source_id!r} is disabled for this tenant; "
                f"an admin can enable it with PUT /api/v1/data-sources/{data_source_id}/settings",
                code=Code.DATASOURCE_DISABLED,
                title=DISABLED_TITLE,
                meta={"dataSourceId": data_source_id},
            )

    async def settings(self, data_source_id: str) -> bool:
        if get_data_source(data_source_id) is None:
            raise NotFound(
                f"data source {data_source_id!r} not found", code=Code.DATASOURCE_NOT_FOUND
            )
        setting = await self.repo.get(data_source_id)
        return bool(setting and setting.disabled)

    async def set_disabled(self, data_source_id: str, *, disabled: bool) -> bool:
        if not self.principal.is_admin:
            raise Forbidden(
                "changing data-source settings needs the tenant admin role",
                code=Code.ADMIN_REQUIRED,
            )
        if get_data_source(data_source_id) is None:
            raise NotFound(
                f"data source {data_source_id!r} not found", code=Code.DATASOURCE_NOT_FOUND
            )
        await self.repo.save(
            DataSourceSetting(
                tenant_id=self.principal.tenant_id,
                data_source_id=data_source_id,
                disabled=disabled,
                updated=utcnow(),
            )
        )
        return disabled

    async def require_gateway(self, data_source_id: str, gateway_id: object) -> None:
        """A DG_* connection's ``gatewayInstance`` names a gateway registered for its source."""
        gateway = await self.gateways.get(gateway_id) if isinstance(gateway_id, str) else None
        if gateway is None or data_source_id not in gateway.data_sources:
            raise ValidationFailed(
                f"gatewayInstance must be the id of a gateway registered for {data_source_id} "
                f"(GET /api/v1/data-sources/{data_source_id}/gateways lists them)",
                field="connectionProperties.gatewayInstance",
                code=Code.GATEWAY_REQUIRED,
            )
