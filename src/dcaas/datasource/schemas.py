from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dcaas.datasource import qri as qri_templates
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


class UiInfo(BaseModel):
    """Where a person creates a connection of this source: dcaas's console (includeui=true).

    The console's own dialog, not a connector's iframe; Qlik's select and credentials
    dialogs have no counterpart, so those members are left out."""

    connectUrl: str
    iframe: bool = False
    loadModelSupport: str = "false"


class ConnectorNodesInfo(BaseModel):
    """A connector provider of this dcaas (detail=true). Connectors run in dcaas's own
    process, so each provider is one node at dcaas's own address; READY when every source
    of the provider has its driver installed, DRIVER_MISSING otherwise."""

    url: str
    state: str
    contractType: int = 0
    providerName: str
    cachedDataSources: list[str]
    dataSourcesUpdated: bool = True


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
    uiInfo: UiInfo | None = None
    # Not Qlik's: connections of an unavailable source are created and stored as usual, but
    # cannot be tested, browsed or previewed until the extra is installed.
    dcaasAvailability: DataSourceAvailability

    @classmethod
    def of(cls, source: DataSource, *, disabled: bool, ui: UiInfo | None = None) -> DataSourceNew:
        qri = None
        if source.qri_prefix:
            path = qri_templates.path_template(source)
            qri = QriDefinition(
                qriPrefix=source.qri_prefix,
                connectionPart=QriTemplate(
                    template=source.qri_connection_template, properties=list(source.qri_properties)
                ),
                pathPart=QriTemplate(
                    prefix=path.prefix, template=path.template, properties=path.properties
                ),
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
            uiInfo=ui,
            dcaasAvailability=DataSourceAvailability(
                available=availability.available,
                reason=availability.reason,
                extra=availability.extra,
                install=availability.install,
            ),
        )


class DataSourcesResponse(BaseModel):
    dataSources: list[DataSourceNew]
    connectorNodes: list[ConnectorNodesInfo] | None = None
    lastUpdated: str  # /api/v1's name
    updatedAt: str  # /api/connectivity's name for the same time


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


# -- generate-qri (Qlik's QriRequest / QriResponseItem) -------------------------------------

QriConnectionType = Literal["id", "name", "properties"]


class QriPropertyRef(StrictModel):
    name: str | None = Field(default=None, max_length=256)
    value: str | None = Field(default=None, max_length=4096)


class QriRequestItem(StrictModel):
    connection: str = Field(min_length=1, max_length=65_536)
    connectionType: QriConnectionType
    dataSourceId: str | None = Field(default=None, max_length=128)
    spaceId: str | None = Field(default=None, max_length=64)
    requestId: str | None = Field(default=None, max_length=256)
    pathProperties: list[QriPropertyRef] = Field(default_factory=list, max_length=32)
    itemProperties: list[QriPropertyRef] = Field(default_factory=list, max_length=32)


class QriRequest(StrictModel):
    data: list[QriRequestItem] = Field(default_factory=list, max_length=100)
    rawValues: bool = False


class DcaasApiError(BaseModel):
    dcaasErrorCode: int | None = None
    errorCodeName: str | None = None
    errorMessage: str | None = None


class QriStatus(BaseModel):
    code: int
    errorResponse: DcaasApiError | None = None


class QriResponseItem(BaseModel):
    connection: str
    connectionType: QriConnectionType
    dataSourceId: str
    isFullyQualified: bool
    qri: str
    requestId: str | None = None
    status: QriStatus


class QriResponse(BaseModel):
    data: list[QriResponseItem]
