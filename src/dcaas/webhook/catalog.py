"""The event types a webhook may subscribe to, in Qlik's naming (``/webhooks/event-types``):
every type the audit trail records (:mod:`dcaas.audit.types`, the one catalogue), and the
webhook's own ``webhook.disabled``. Each: name -> (title, category).
"""

from __future__ import annotations

from typing import Final

from dcaas.audit.types import CATALOGUE

WEBHOOK_DISABLED: Final = "com.qlik.v1.webhook.disabled"

EVENT_TYPES: Final[dict[str, tuple[str, str]]] = {
    **{t.name: (t.meaning, t.source.removeprefix("com.qlik/")) for t in CATALOGUE},
    WEBHOOK_DISABLED: ("a webhook was disabled after its deliveries kept failing", "webhooks"),
}


def unknown(types: list[str]) -> list[str]:
    """The names in ``types`` that are no event type."""
    return [t for t in types if t not in EVENT_TYPES]
