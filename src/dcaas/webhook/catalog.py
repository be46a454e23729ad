"""The event types a webhook may subscribe to, in Qlik's naming (``/webhooks/event-types``).

The audit trail (``dcaas.audit``) records these; this list is what a subscription is checked
against. Each entry: name, title, category.
"""

from __future__ import annotations

from typing import Final

WEBHOOK_DISABLED: Final = "com.qlik.v1.webhook.disabled"

_TYPES: tuple[tuple[str, str, str], ...] = (
    ("com.qlik.v1.data-connection.created", "Data connection created", "data-connection"),
    ("com.qlik.v1.data-connection.updated", "Data connection updated", "data-connection"),
    ("com.qlik.v1.data-connection.deleted", "Data connection deleted", "data-connection"),
    ("com.qlik.v1.data-connection.duplicated", "Data connection duplicated", "data-connection"),
    ("com.qlik.v1.data-connection.moved", "Data connection moved", "data-connection"),
    (
        "com.qlik.v1.data-connection.owner-changed",
        "Data connection owner changed",
        "data-connection",
    ),
    ("com.qlik.v1.data-connection.tested", "Data connection tested", "data-connection"),
    ("com.qlik.v1.data-connection.browsed", "Data connection browsed", "data-connection"),
    ("com.qlik.v1.data-connection.previewed", "Data connection previewed", "data-connection"),
    (
        "com.qlik.v1.data-connection.authorized",
        "Data connection authorized (OAuth)",
        "data-connection",
    ),
    (
        "com.qlik.v1.data-connection.refreshed",
        "Data connection token refreshed (OAuth)",
        "data-connection",
    ),
    (
        "com.qlik.v1.data-connection.reauthorization-required",
        "Data connection needs re-authentication",
        "data-connection",
    ),
    ("com.qlik.v1.data-credential.created", "Data credential created", "data-credential"),
    ("com.qlik.v1.data-credential.updated", "Data credential updated", "data-credential"),
    ("com.qlik.v1.data-credential.deleted", "Data credential deleted", "data-credential"),
    ("com.qlik.v1.api-key.created", "API key created", "api-key"),
    ("com.qlik.v1.api-key.revoked", "API key revoked", "api-key"),
    ("com.qlik.v1.space.assignment.created", "Space member added", "space"),
    ("com.qlik.v1.space.assignment.deleted", "Space member removed", "space"),
    ("com.qlik.v1.data-source.settings-updated", "Data source settings changed", "data-source"),
    ("com.qlik.v1.encryption-key.rotated", "Encryption key rotated", "encryption-key"),
    ("com.qlik.v1.encryption-key.retired", "Encryption key retired", "encryption-key"),
    ("com.qlik.v1.user.authentication-failed", "Authentication failed", "user"),
    (WEBHOOK_DISABLED, "Webhook disabled after failed deliveries", "webhook"),
)

EVENT_TYPES: Final[dict[str, tuple[str, str]]] = {
    name: (title, category) for name, title, category in _TYPES
}


def unknown(types: list[str]) -> list[str]:
    """The names in ``types`` that are no event type."""
    return [t for t in types if t not in EVENT_TYPES]
