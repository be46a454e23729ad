"""Data sources: the catalog, each source's api-spec, per-tenant settings, and QRIs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from dcaas_client.models.common import ApiModel, RequestModel


class DataSource(ApiModel):
    dataSourceId: str
    name: str
    provider: str | None = None
    providerName: str | None = None
    capabilities: list[str] = Field(default_factory=list)
    disabled: bool = False
    qriDefinition: dict[str, Any] | None = None


class DataSources(ApiModel):
    dataSources: list[DataSource]
    lastUpdated: str | None = None
    updatedAt: str | None = None


class ApiSpec(ApiModel):
    """``connectionProperties`` is the JSON Schema of a data source's properties."""

    connectorProvider: str | None = None
    connectorVersion: str | None = None
    x_qlik_connector_version: str | None = Field(default=None, alias="x-qlik-connector-version")
    connectionProperties: dict[str, Any]

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        props = self.connectionProperties.get("properties", {})
        return props if isinstance(props, dict) else {}

    @property
    def required(self) -> list[str]:
        return list(self.connectionProperties.get("required", []))

    def is_secret(self, name: str) -> bool:
        """Whether the property is a credential (``x-secret`` or ``writeOnly``)."""
        prop = self.properties.get(name, {})
        return bool(prop.get("x-secret") or prop.get("writeOnly"))


class DataSourceSettings(ApiModel):
    disabled: bool


class DataSourceSettingsUpdate(RequestModel):
    disabled: bool


class QriProperty(RequestModel):
    """A value for a QRI template's placeholder; without ``name``, taken in order."""

    name: str | None = None
    value: str


class QriItem(RequestModel):
    """One QRI to build: ``connection`` is an id, a name (``Space:Name``, ``:Name``) or a
    connect statement (with ``dataSourceId``), as ``connectionType`` says."""

    connection: str
    connectionType: Literal["id", "name", "properties"] = "id"
    dataSourceId: str | None = None
    spaceId: str | None = None
    requestId: str | None = None
    pathProperties: list[QriProperty] | None = None
    itemProperties: list[QriProperty] | None = None


class QriStatus(ApiModel):
    code: int
    errorResponse: dict[str, Any] | None = None


class QriResult(ApiModel):
    connection: str
    connectionType: str
    dataSourceId: str
    isFullyQualified: bool
    qri: str
    requestId: str | None = None
    status: QriStatus | None = None

    @property
    def ok(self) -> bool:
        return self.status is None or self.status.code == 200  # noqa: PLR2004 - HTTP OK


class QriResults(ApiModel):
    data: list[QriResult]
