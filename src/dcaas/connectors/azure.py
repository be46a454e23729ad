"""Azure Blob Storage and Azure Data Lake Storage Gen2: a file and a metadata data source each.

Qlik has not published ids for these; dcaas names them in Qlik's style
(``File_AzureStorageConnector`` / ``AzureStorageConnector``,
``File_AzureDataLakeStorageGen2Connector`` / ``AzureDataLakeStorageGen2Connector``).

Three ways to authenticate, chosen by ``authType``: the account key, a SAS token, or a
service principal (``tenantId``, ``clientId``, ``clientSecret``) whose token comes from the
Microsoft Entra login host (``loginUrl``; another cloud's host for sovereign clouds).
``endpointUrl`` points at an Azure-compatible store (Azurite, Azure Stack) instead of
``https://<account>.blob.core.windows.net``. ADLS Gen2 is read through its Blob endpoint
(multi-protocol access), so the same driver serves both.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from dcaas.connectors.spec import (
    ConnectorProperties,
    DataSource,
    FileItem,
    destination,
    file_list,
    secret,
)

_URL = r"^https?://\S+$"
_CONTAINER = r"^(\$root|[a-z0-9][a-z0-9-]{1,61}[a-z0-9])$"
AuthType = Literal["accountKey", "sasToken", "servicePrincipal"]
# Which properties each authType needs (checked unless the credential is per user).
_NEEDS: dict[str, tuple[str, ...]] = {
    "accountKey": ("accountKey",),
    "sasToken": ("sasToken",),
    "servicePrincipal": ("tenantId", "clientId", "clientSecret"),
}


class AzureProperties(ConnectorProperties):
    """What every Azure storage connection has: the account, how to sign in, where it is."""

    accountName: str = destination(
        min_length=3,
        max_length=24,
        pattern=r"^[a-z0-9]+$",
        description="Storage account name (3 to 24 lowercase letters and digits)",
    )
    authType: AuthType = Field(
        default="accountKey",
        description="accountKey, sasToken, or servicePrincipal (tenantId, clientId, clientSecret)",
    )
    accountKey: str | None = secret(description="The storage account's access key (base64)")
    sasToken: str | None = secret(description="A shared access signature (the query string)")
    tenantId: str | None = destination(
        None,
        max_length=128,
        pattern=r"^[A-Za-z0-9.\-]+$",
        description="Directory (tenant) id or domain of the service principal",
    )
    clientId: str | None = Field(
        default=None, max_length=128, description="Application (client) id of the service principal"
    )
    clientSecret: str | None = secret(description="Client secret of the service principal")
    loginUrl: str | None = destination(
        None,
        max_length=2048,
        pattern=r"^https://\S+$",
        description="Microsoft Entra login host for service principals; empty for "
        "https://login.microsoftonline.com (set it for sovereign clouds)",
    )
    endpointUrl: str | None = destination(
        None,
        max_length=2048,
        pattern=_URL,
        description="Blob endpoint of an Azure-compatible store (Azurite, Azure Stack); empty "
        "for https://<accountName>.blob.core.windows.net",
    )
    rootCertificates: list[FileItem] | None = file_list(
        description="PEM root certificates trusted besides the system's, for an endpoint or "
        "login host with a private certificate authority",
        is_destination=True,
    )

    @model_validator(mode="after")
    def _check_auth(self) -> AzureProperties:
        if self.selectedCredentials or self.separateCredentials:
            return self
        missing = [name for name in _NEEDS[self.authType] if not getattr(self, name)]
        if missing:
            raise ValueError(f"authType {self.authType} needs " + ", ".join(missing))
        return self

    def container(self) -> str | None:
        """The container (file system) the connection is scoped to, if any."""
        return None


class AzureBlobProperties(AzureProperties):
    """An Azure Blob Storage connection; without a container, browse starts at the account."""

    containerName: str | None = Field(
        default=None,
        pattern=_CONTAINER,
        description="Container; empty to browse every container of the account",
    )

    def container(self) -> str | None:
        return self.containerName


class AdlsProperties(AzureProperties):
    """An ADLS Gen2 connection: its file system (a container of a hierarchical account)."""

    fileSystem: str | None = Field(
        default=None,
        pattern=_CONTAINER,
        description="File system; empty to browse every file system of the account",
    )

    def container(self) -> str | None:
        return self.fileSystem


_PROVIDER = "QvWebStorageProviderConnectorPackage.exe"
_PROVIDER_NAME = "dcaas Azure Storage (ids in Qlik's style; not published by Qlik)"


def _azure_source(
    source_id: str, name: str, properties: type[AzureProperties], *, metadata: bool, adls: bool
) -> DataSource:
    kind = ("metadata",) if metadata else ("preview", "file")
    driver = ("Adls" if adls else "AzureBlob") + ("MetadataConnector" if metadata else "Connector")
    container = "fileSystem" if adls else "containerName"
    return DataSource(
        id=source_id,
        name=name,
        provider=_PROVIDER,
        provider_name=_PROVIDER_NAME,
        properties=properties,
        version="1.0.0",
        capabilities=("test-connection", "browse", *kind),
        qri_prefix="qri:file:adls://" if adls else "qri:file:azureblob://",
        qri_connection_template=f"{{accountName}}/{{{container}}}",
        qri_properties=("accountName", container),
        password_property="accountKey",  # noqa: S106 - Qlik's qPassword lands here
        connector=f"dcaas.connectors.drivers.azure:{driver}",
    )


AZURE_BLOB_FILE = _azure_source(
    "File_AzureStorageConnector",
    "Azure Blob Storage",
    AzureBlobProperties,
    metadata=False,
    adls=False,
)
AZURE_BLOB_METADATA = _azure_source(
    "AzureStorageConnector",
    "Azure Blob Storage (metadata)",
    AzureBlobProperties,
    metadata=True,
    adls=False,
)
ADLS_FILE = _azure_source(
    "File_AzureDataLakeStorageGen2Connector",
    "Azure Data Lake Storage Gen2",
    AdlsProperties,
    metadata=False,
    adls=True,
)
ADLS_METADATA = _azure_source(
    "AzureDataLakeStorageGen2Connector",
    "Azure Data Lake Storage Gen2 (metadata)",
    AdlsProperties,
    metadata=True,
    adls=True,
)
