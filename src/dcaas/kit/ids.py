"""Identifier formats, shaped like Qlik's so clients that validate them accept ours."""

from __future__ import annotations

import secrets
import uuid


def new_uuid() -> str:
    """Connections and credentials: UUIDs."""
    return str(uuid.uuid4())


def new_object_id() -> str:
    """Spaces: 24 hex characters."""
    return secrets.token_hex(12)


def new_subject_id() -> str:
    """Tenants and users: 32 URL-safe characters, never a leading "-" (a command line would
    take such an id for an option: `dcaas users get -x...`)."""
    while (made := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return made


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
