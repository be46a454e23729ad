"""Every event type dcaas records, in Qlik's style, with its source and what it means.

The README's event table is this catalogue; ``GET /api/v1/audits/types`` and ``/sources``
list it. A type not listed here cannot be recorded (a test holds every recorded type to it).
"""

from __future__ import annotations

from dataclasses import dataclass

_P = "com.qlik.v1."


@dataclass(frozen=True)
class EventType:
    name: str
    source: str
    meaning: str


_CATALOGUE: list[EventType] = []


def _t(short: str, source: str, meaning: str) -> str:
    name = _P + short
    _CATALOGUE.append(EventType(name, "com.qlik/" + source, meaning))
    return name


_CONN, _CRED = "data-connections", "data-credentials"
CONNECTION_CREATED = _t("data-connection.created", _CONN, "a connection was created")
CONNECTION_UPDATED = _t(
    "data-connection.updated", _CONN, "a connection changed; `data.changed` names the properties"
)
CONNECTION_DELETED = _t("data-connection.deleted", _CONN, "a connection was deleted")
CONNECTION_DUPLICATED = _t(
    "data-connection.duplicated", _CONN, "a connection was copied; `data.sourceId` is the original"
)
CONNECTION_MOVED = _t("data-connection.moved", _CONN, "a connection moved to another space")
OWNER_CHANGED = _t("data-connection.owner-changed", _CONN, "a connection got another owner")
CONNECTION_TESTED = _t(
    "data-connection.tested", _CONN, "a connection was tested; `outcome`, `data.failureType`"
)
CONNECTION_BROWSED = _t(
    "data-connection.browsed", _CONN, "a connection's source was browsed; `data.path`"
)
CONNECTION_PREVIEWED = _t(
    "data-connection.previewed", _CONN, "a file of a connection's source was previewed"
)
OAUTH_STARTED = _t(
    "data-connection.authorization-started", _CONN, "an OAuth authorization was begun"
)
OAUTH_AUTHORIZED = _t(
    "data-connection.authorized", _CONN, "an OAuth provider granted tokens to a connection"
)
OAUTH_REFRESHED = _t(
    "data-connection.token-refreshed", _CONN, "a connection's OAuth access token was refreshed"
)
NEEDS_REAUTHENTICATION = _t(
    "data-connection.needs-reauthentication",
    _CONN,
    "the OAuth provider refused a refresh: the owner must authorize again",
)
CREDENTIAL_CREATED = _t("data-credential.created", _CRED, "a credential was created")
CREDENTIAL_UPDATED = _t(
    "data-credential.updated", _CRED, "a credential changed (`secret` when its secret did)"
)
CREDENTIAL_DELETED = _t("data-credential.deleted", _CRED, "a credential was deleted")
API_KEY_CREATED = _t("api-key.created", "api-keys", "an API key was issued")
API_KEY_UPDATED = _t("api-key.updated", "api-keys", "an API key changed")
API_KEY_REVOKED = _t("api-key.revoked", "api-keys", "an API key was revoked")
API_KEY_DELETED = _t("api-key.deleted", "api-keys", "an API key was deleted")
SPACE_CREATED = _t("space.created", "spaces", "a space was created")
SPACE_UPDATED = _t("space.updated", "spaces", "a space was renamed or described")
SPACE_DELETED = _t("space.deleted", "spaces", "a space was deleted")
MEMBER_ADDED = _t("space.member-added", "spaces", "a user was assigned roles in a space")
MEMBER_CHANGED = _t("space.member-changed", "spaces", "a member's roles in a space changed")
MEMBER_REMOVED = _t("space.member-removed", "spaces", "a user's assignment to a space ended")
SETTINGS_CHANGED = _t(
    "data-source.settings-changed", "data-sources", "a data source was enabled or disabled"
)
SESSION_CREATED = _t("console-session.created", "console", "someone signed in to the console")
SESSION_DELETED = _t("console-session.deleted", "console", "someone signed out of the console")
TENANT_CREATED = _t("tenant.created", "tenants", "a tenant was provisioned")
USER_CREATED = _t("user.created", "users", "a user was provisioned")
USER_UPDATED = _t("user.updated", "users", "a user changed")
AUTH_FAILED = _t(
    "user.authentication-failed",
    "auth",
    "a request presented a key or token that was refused (at most one a minute per address)",
)
SECRET_RELEASED = _t(
    "data-connection.secret-released",
    _CONN,
    "the engine endpoint answered for a connection; `outcome` failure when it refused",
)
ENDPOINT_CREATED = _t(
    "data-source.endpoint-created", "data-sources", "an engine endpoint was added"
)
ENDPOINT_DELETED = _t(
    "data-source.endpoint-deleted", "data-sources", "an engine endpoint was removed"
)
GATEWAY_CREATED = _t("gateway.created", "gateways", "a Direct Access gateway was registered")
GATEWAY_UPDATED = _t("gateway.updated", "gateways", "a gateway changed")
GATEWAY_DELETED = _t("gateway.deleted", "gateways", "a gateway was removed")
WEBHOOK_CREATED = _t("webhook.created", "webhooks", "a webhook was created")
WEBHOOK_UPDATED = _t(
    "webhook.updated", "webhooks", "a webhook changed (also: disabled after failing deliveries)"
)
WEBHOOK_DELETED = _t("webhook.deleted", "webhooks", "a webhook was deleted")
DELIVERY_RESENT = _t("webhook.delivery-resent", "webhooks", "a delivery was queued again")
KEY_ROTATED = _t("encryption-key.rotated", "keys", "a new data-encryption key was made current")
KEY_RETIRED = _t("encryption-key.retired", "keys", "an old key was retired after re-wrapping")

CATALOGUE: tuple[EventType, ...] = tuple(_CATALOGUE)
BY_NAME: dict[str, EventType] = {t.name: t for t in CATALOGUE}
SOURCES: tuple[str, ...] = tuple(sorted({t.source for t in CATALOGUE}))


def of_source(source: str) -> list[str]:
    """The event types a source produces."""
    return [t.name for t in CATALOGUE if t.source == source]
