"""Every table, imported in one place for Alembic and for ``create_all`` in tests."""

from dcaas.api_key.models import ApiKey
from dcaas.audit.models import AuditEvent
from dcaas.connection.models import Connection, PersonalCredential
from dcaas.console.models import ConsoleSession
from dcaas.credential.models import Credential
from dcaas.datasource.models import DataSourceSetting, Gateway
from dcaas.engine.models import EngineEndpoint, EngineRelease
from dcaas.idempotency.models import IdempotencyRecord
from dcaas.kit.db import Base
from dcaas.oauth.models import OAuthAuthorization, RefreshClaim
from dcaas.space.models import Space, SpaceMember
from dcaas.tenant.models import Tenant, User
from dcaas.webhook.models import Attempt, Delivery, Webhook

__all__ = [
    "ApiKey",
    "Attempt",
    "AuditEvent",
    "Base",
    "Connection",
    "ConsoleSession",
    "Credential",
    "DataSourceSetting",
    "Delivery",
    "EngineEndpoint",
    "EngineRelease",
    "Gateway",
    "IdempotencyRecord",
    "OAuthAuthorization",
    "PersonalCredential",
    "RefreshClaim",
    "Space",
    "SpaceMember",
    "Tenant",
    "User",
    "Webhook",
]
