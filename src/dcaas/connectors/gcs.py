"""Google Cloud Storage: the file and the metadata data sources."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from dcaas.connectors.spec import (
    ConnectorProperties,
    DataSource,
    FileItem,
    destination,
    file_list,
)


class GcsProperties(ConnectorProperties):
    """Properties of a GCS connection: a service-account key file and a bucket."""

    serviceAccountKeyFile: list[FileItem] | None = file_list(
        description="Service-account key file (JSON), as [{name, value}]", is_secret=True
    )
    bucketName: str = Field(
        min_length=3,
        max_length=222,
        pattern=r"^[a-z0-9][a-z0-9._\-]*[a-z0-9]$",
        description="Bucket name",
    )
    endpointUrl: str | None = destination(
        None,
        pattern=r"^https?://\S+$",
        description="JSON API endpoint of a GCS-compatible store or emulator; empty for Google",
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (("serviceAccountKeyFile",),)


_PROVIDER = "QvWebStorageProviderConnectorPackage.exe"

GCS_FILE = DataSource(
    id="File_GoogleCloudStorageConnector",
    name="Google Cloud Storage",
    provider=_PROVIDER,
    provider_name="Qlik Web Storage Provider Connectors",
    properties=GcsProperties,
    version="4.46.0",
    capabilities=("test-connection", "browse", "preview", "file"),
    qri_prefix="qri:file:gcs://",
    qri_connection_template="{bucketName}",
    qri_properties=("bucketName",),
    connector="dcaas.connectors.drivers.gcs:GcsConnector",
)

GCS_METADATA = DataSource(
    id="GoogleCloudStorageConnector",
    name="Google Cloud Storage (metadata)",
    provider=_PROVIDER,
    provider_name="Qlik Web Storage Provider Connectors",
    properties=GcsProperties,
    version="4.46.0",
    capabilities=("test-connection", "browse", "metadata"),
    qri_prefix="qri:file:gcs://",
    qri_connection_template="{bucketName}",
    qri_properties=("bucketName",),
    connector="dcaas.connectors.drivers.gcs:GcsMetadataConnector",
)
