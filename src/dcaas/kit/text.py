"""Text every store can keep: UTF-8 without NUL."""

from __future__ import annotations


def is_storable_text(value: str) -> bool:
    """False for NUL (PostgreSQL refuses it in text) and lone surrogates (not UTF-8)."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
