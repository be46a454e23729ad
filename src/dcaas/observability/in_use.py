"""The secret values in use right now, so that a log line carrying one is scrubbed.

Redaction by name (``password=...``) misses a library that logs a value on its own terms:
asyncssh writes "Beginning auth for user <username>" at INFO, and the SFTP username is
declared secret. So whoever hands secrets to a connector or a token endpoint declares them
with :func:`secrets_in_use`; until that block ends, every log line written in the same
context (any logger, any task started inside it) has those values, and their base64, hex
and URL-encoded forms, replaced by ``***``.

The values live in a ``contextvars`` variable: one request's secrets never scrub, nor leak
into, another's. Values shorter than :data:`MIN_LENGTH` are ignored; values shorter than
:data:`WORD_LENGTH` are scrubbed only as whole words (a username ``me`` does not mangle
``message``).
"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from dcaas.connectors.spec import DataSource

MIN_LENGTH = 2
WORD_LENGTH = 8
REDACTED = "***"


class InUse:
    """A set of secret values and the one pattern that finds any of them."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if len(value) < MIN_LENGTH or value in self.values:
            return
        self.values.add(value)
        self._pattern = None

    def scrub(self, text: str) -> str:
        if not self.values:
            return text
        if self._pattern is None:
            self._pattern = _pattern(self.values)
        return self._pattern.sub(REDACTED, text)


def _forms(value: str) -> set[str]:
    """The value as it may appear in a line: raw, base64, hex, URL-encoded."""
    forms = {value, quote(value, safe="")}
    if len(value) >= WORD_LENGTH:
        raw = value.encode()
        forms |= {
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            raw.hex(),
        }
    return forms


def _pattern(values: set[str]) -> re.Pattern[str]:
    forms = sorted({f for v in values for f in _forms(v)}, key=len, reverse=True)
    parts = [
        re.escape(f) if len(f) >= WORD_LENGTH else rf"(?<![\w-]){re.escape(f)}(?![\w-])"
        for f in forms
    ]
    return re.compile("|".join(parts))


_current: ContextVar[InUse | None] = ContextVar("dcaas_secrets_in_use", default=None)


def scrub(text: str) -> str:
    """``text`` without any secret value in use in this context."""
    in_use = _current.get()
    return text if in_use is None else in_use.scrub(text)


@contextmanager
def secrets_in_use(values: Iterable[str]) -> Iterator[None]:
    """Scrub these values from every log line written inside the block.

    Inside an outer block the values join the outer set (and stay until it ends), so a
    token fetched during a connector call is scrubbed for the rest of that call.
    """
    outer = _current.get()
    in_use = outer if outer is not None else InUse()
    for value in values:
        in_use.add(value)
    token = _current.set(in_use) if outer is None else None
    try:
        yield
    finally:
        if token is not None:
            _current.reset(token)


def note_secret(value: str | None) -> None:
    """Scrub a secret learnt inside a block (an access token just issued), until it ends."""
    in_use = _current.get()
    if in_use is not None and value:
        in_use.add(value)


def secret_values(source: DataSource, properties: dict[str, Any]) -> list[str]:
    """The values of the properties the data source's spec marks secret, as text.

    Secret fields (text, or the ``value`` of each file item) and the ``value`` of every
    ``{name, value, encrypt: true}`` item.
    """
    out: list[str] = []
    for name in source.properties.secret_fields():
        out += _texts(properties.get(name))
    for name in source.properties.encryptable_fields():
        items = properties.get(name)
        if isinstance(items, list):
            out += [
                str(i.get("value"))
                for i in items
                if isinstance(i, dict) and i.get("encrypt") in (True, "true", 1) and i.get("value")
            ]
    return out


def _texts(value: Any) -> list[str]:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [str(i["value"]) for i in value if isinstance(i, dict) and i.get("value")]
    return []
