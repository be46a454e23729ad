"""Typed request and response models of every dcaas endpoint."""

from dcaas_client.models.actions import Entries, Entry, Preview, TestResult, TestStep
from dcaas_client.models.api_keys import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeys
from dcaas_client.models.common import (
    ApiModel,
    ErrorItem,
    Href,
    Link,
    Meta,
    PageLinks,
    RequestModel,
)
from dcaas_client.models.connections import (
    AuthUrl,
    BulkItem,
    BulkItemRef,
    BulkResult,
    BulkUpdateItem,
    ConnectionCreate,
    ConnectionCreated,
    ConnectionGet,
    Connections,
    ConnectionUpdate,
    DuplicateRequest,
    LegacyConnection,
    LegacyConnectionCreated,
    PatchOp,
    PropertiesConnectionCreate,
)
from dcaas_client.models.credentials import (
    Credential,
    Credentials,
    CredentialUpdate,
    OrphanCredential,
    OrphanCredentials,
    OrphanFilter,
)
from dcaas_client.models.datasources import (
    ApiSpec,
    DataSource,
    DataSources,
    DataSourceSettings,
    DataSourceSettingsUpdate,
)
from dcaas_client.models.spaces import (
    Assignment,
    AssignmentCreate,
    Assignments,
    Role,
    Space,
    SpaceCreate,
    Spaces,
    SpaceUpdate,
)

__all__ = [
    "ApiKey", "ApiKeyCreate", "ApiKeyCreated", "ApiKeys", "ApiModel", "ApiSpec", "Assignment",
    "AssignmentCreate", "Assignments", "AuthUrl", "BulkItem", "BulkItemRef", "BulkResult",
    "BulkUpdateItem", "ConnectionCreate", "ConnectionCreated", "ConnectionGet",
    "ConnectionUpdate", "Connections", "Credential", "CredentialUpdate", "Credentials",
    "DataSource", "DataSourceSettings", "DataSourceSettingsUpdate", "DataSources",
    "DuplicateRequest", "Entries", "Entry", "ErrorItem", "Href", "LegacyConnection",
    "LegacyConnectionCreated", "Link", "Meta", "OrphanCredential", "OrphanCredentials",
    "OrphanFilter", "PageLinks", "PatchOp", "Preview", "PropertiesConnectionCreate",
    "RequestModel", "Role", "Space", "SpaceCreate", "SpaceUpdate", "Spaces", "TestResult",
    "TestStep",
]  # fmt: skip
