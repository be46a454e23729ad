"""Amazon S3 (and S3-compatible stores): the file and the metadata data sources, v1 and v2.

Qlik launched both connector generations; v1 (``File_AmazonS3Connector`` /
``AmazonS3Connector``) takes the same properties as v2 and runs on the same driver.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from dcaas.connectors.spec import ConnectorProperties, DataSource, destination, secret

AwsRegion = Literal[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
]


class S3Properties(ConnectorProperties):
    """Properties of an S3 connection; ``endpointUrl`` points at an S3-compatible store."""

    accessKey: str | None = secret(description="AWS access key id")
    secretKey: str | None = secret(description="AWS secret access key")
    region: AwsRegion = Field(default="us-east-1", description="AWS region (case-sensitive)")
    bucketName: str = Field(
        min_length=3,
        max_length=63,
        pattern=r"^[a-z0-9][a-z0-9.\-]*[a-z0-9]$",
        description="Bucket name",
    )
    endpointUrl: str | None = destination(
        None,
        pattern=r"^https?://\S+$",
        description="Endpoint of an S3-compatible store (MinIO, Ceph, R2); empty for AWS",
    )
    forcePathStyle: bool = Field(
        default=False, description="Address the bucket in the path, as most compatible stores need"
    )
    storeSseHeader: bool = Field(
        default=False, description="Send the server-side encryption header when writing"
    )

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("accessKey",),
        ("secretKey",),
    )


_PROVIDER = "QvWebStorageProviderConnectorPackage.exe"


def _s3_source(source_id: str, name: str, *, metadata: bool) -> DataSource:
    kind = ("metadata",) if metadata else ("preview", "file")
    driver = "S3MetadataConnector" if metadata else "S3Connector"
    return DataSource(
        id=source_id,
        name=name,
        provider=_PROVIDER,
        provider_name="Qlik Web Storage Provider Connectors",
        properties=S3Properties,
        version="4.46.0",
        capabilities=("test-connection", "browse", *kind),
        username_property="accessKey",
        password_property="secretKey",  # noqa: S106 - the property's name, not a password
        qri_prefix="qri:file:s3://",
        qri_connection_template="{region}/{bucketName}",
        qri_properties=("region", "bucketName"),
        connector=f"dcaas.connectors.drivers.s3:{driver}",
    )


S3_FILE = _s3_source("File_AmazonS3ConnectorV2", "Amazon S3 V2", metadata=False)
S3_METADATA = _s3_source("AmazonS3ConnectorV2", "Amazon S3 V2 (metadata)", metadata=True)
# Qlik's first generation, still in its launch catalog.
S3V1_FILE = _s3_source("File_AmazonS3Connector", "Amazon S3", metadata=False)
S3V1_METADATA = _s3_source("AmazonS3Connector", "Amazon S3 (metadata)", metadata=True)
