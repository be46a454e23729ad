"""Every table, imported in one place for Alembic and for ``create_all`` in tests."""

from dcaas.api_key.models import ApiKey
from dcaas.connection.models import Connection, PersonalCredential
from dcaas.console.models import ConsoleSession
from dcaas.credential.models import Credential
from dcaas.datasource.models import DataSourceSetting
from dcaas.idempotency.models import IdempotencyRecord
from dcaas.kit.db import Base
from dcaas.oauth.models import OAuthAuthorization, RefreshClaim
from dcaas.space.models import Space, SpaceMember
from dcaas.tenant.models import Tenant, User

__all__ = [
    "ApiKey",
    "Base",
    "Connection",
    "ConsoleSession",
    "Credential",
    "DataSourceSetting",
    "IdempotencyRecord",
    "OAuthAuthorization",
    "PersonalCredential",
    "RefreshClaim",
    "Space",
    "SpaceMember",
    "Tenant",
    "User",
]
