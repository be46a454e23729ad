from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from dcaas.kit.schemas import StrictModel

if TYPE_CHECKING:
    from dcaas.connectors import DataSource


class QriTemplate(BaseModel):
    template: str
    properties: list[str]
    prefix: str | None = None


class QriDefinition(BaseModel):
    qriPrefix: str
    connectionPart: QriTemplate
    pathPart: QriTemplate


class DataSourceAvailability(BaseModel):
    """dcaas's own: whether this deployment has the driver that tests, browses and previews."""

    available: bool
    reason: str | None = None
    extra: str | None = Field(default=None, description="The pip extra with the driver")
    install: str | None = Field(default=None, description="How the operator installs it")


class DataSourceNew(BaseModel):
    dataSourceId: str
    name: str
    dataSourceName: str
    provider: str
    providerName: str
    capabilities: list[str]
    dataSourceType: str = "connector"
    dataSourcePropertyName: str = "sourceType"
    disabled: bool
    qriDefinition: QriDefinition | None = None
    # Not Qlik's: connections of an unavailable source are created and stored as usual, but
    # cannot be tested, browsed or previewed until the extra is installed.
    dcaasAvailability: DataSourceAvailability

    @classmethod
    def of(cls, source: DataSource, *, disabled: bool) -> DataSourceNew:
        qri = None
        if source.qri_prefix:
            qri = QriDefinition(
                qriPrefix=source.qri_prefix,
                connectionPart=QriTemplate(
                    template=source.qri_connection_template, properties=list(source.qri_properties)
                ),
                pathPart=QriTemplate(prefix="#", template="{filePath}", properties=["filePath"]),
            )
        availability = source.availability()
        return cls(
            dataSourceId=source.id,
            name=source.name,
            dataSourceName=source.name,
            provider=source.provider,
            providerName=source.provider_name,
            capabilities=list(source.capabilities),
            dataSourcePropertyName=source.source_property,
            disabled=disabled,
            qriDefinition=qri,
            dcaasAvailability=DataSourceAvailability(
                available=availability.available,
                reason=availability.reason,
                extra=availability.extra,
                install=availability.install,
            ),
        )


class DataSourcesResponse(BaseModel):
    dataSources: list[DataSourceNew]
    lastUpdated: str


class ApiSpecResponse(BaseModel):
    """Both generations of Qlik's shape: ``connectorVersion`` and ``x-qlik-connector-version``."""

    model_config = ConfigDict(populate_by_name=True)

    connectorProvider: str
    connectorVersion: str
    x_qlik_connector_version: str = Field(alias="x-qlik-connector-version")
    connectionProperties: dict[str, Any]

    @classmethod
    def of(cls, source: DataSource) -> ApiSpecResponse:
        return cls(
            connectorProvider=source.provider,
            connectorVersion=source.version,
            x_qlik_connector_version=source.version,
            connectionProperties=source.api_spec(),
        )


class DataSourceSettings(BaseModel):
    disabled: bool


class DataSourceSettingsRequest(StrictModel):
    disabled: bool
