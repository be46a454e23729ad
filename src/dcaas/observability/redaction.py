"""Secrets out of log lines, driven by the connectors' secret flags.

The names whose values are hidden come from every registered data source's spec
(``secret_fields()``), plus a few generic credential names and suffixes. A value is hidden

* in structures (dicts, lists, tuples: log arguments and ``extra`` fields) under a secret
  name; as the ``value`` of an item with ``encrypt: true``; and as every value of an
  encryptable property's split secrets (``{"queryHeaders": {"X-Key": "..."}}``);
* wherever a value declared in use by :func:`~dcaas.observability.in_use.secrets_in_use`
  appears (the connector's secrets, an OAuth token), in any form, whatever the name;
* in text (messages, exception text) after ``name=``, ``name:``, ``"name": `` or
  ``'name': ``, whether quoted, bracketed (``[{...}]``) or bare; as the ``value`` of an
  ``{... "encrypt": true}`` item; and wherever a bearer token, a dcaas API key, a JWT,
  a password in a URL (``scheme://user:password@host``) or an OAuth ``code``, ``state`` or
  ``code_verifier`` in a URL's query appears.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from dcaas.connectors import all_data_sources
from dcaas.observability.in_use import scrub

REDACTED = "***"

# Credential names any request or library may carry, whatever the data source.
GENERIC_NAMES = frozenset(
    {
        "password",
        "qPassword",
        "qConnectionSecret",
        "authorization",
        "proxyAuthorization",
        "token",
        "refreshToken",
        "accessToken",
        "idToken",
        "clientSecret",
        "apiKey",
        "privateKey",
        "cookie",
        "setCookie",
    }
)
# Any name ending with one of these (dbPassword, x_api_key, webhookSecret) is a secret too.
SECRET_SUFFIXES = ("password", "passphrase", "secret", "token", "apikey")
_MAX_DEPTH = 32


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def secret_names() -> frozenset[str]:
    """Normalised secret property names: the registry's flags plus :data:`GENERIC_NAMES`."""
    names = set(GENERIC_NAMES)
    for source in all_data_sources():
        names |= source.properties.secret_fields()
    return frozenset(_normal(n) for n in names)


@cache
def encryptable_names() -> frozenset[str]:
    """Properties holding ``{name, value, encrypt}`` items, across the registry."""
    names: set[str] = set()
    for source in all_data_sources():
        names |= source.properties.encryptable_fields()
    return frozenset(_normal(n) for n in names)


def is_secret_name(name: str) -> bool:
    normal = _normal(name)
    return bool(normal) and (normal in secret_names() or normal.endswith(SECRET_SUFFIXES))


# -- structures ---------------------------------------------------------------------------
def redact(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with secrets hidden; text inside is redacted as text."""
    if depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "surrogateescape")
        redacted = redact_text(text)
        return value if redacted == text else redacted.encode("utf-8", "surrogateescape")
    if isinstance(value, Mapping):
        return _redact_mapping(value, depth)
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(redact(v, depth + 1) for v in value)
    return value


def _redact_mapping(mapping: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    encrypted = _truthy(mapping.get("encrypt"))
    out: dict[Any, Any] = {}
    for key, value in mapping.items():
        name = str(key)
        if value in (None, "") and not isinstance(value, bool):
            out[key] = value
        elif is_secret_name(name) or (encrypted and name == "value"):
            out[key] = REDACTED
        elif _normal(name) in encryptable_names() and isinstance(value, Mapping):
            out[key] = dict.fromkeys(value, REDACTED)  # the split secrets of encrypted items
        else:
            out[key] = redact(value, depth + 1)
    return out


def _truthy(value: Any) -> bool:
    return value is True or value == 1 or str(value).lower() == "true"


# -- text ---------------------------------------------------------------------------------
_PAIR = re.compile(r"""(?<![\w-])(?P<key>[A-Za-z_][\w-]*)(?:\\?["'])?\s*[:=]\s*""")
_BARE = re.compile(
    r"""(?:(?:Bearer|Basic|Digest|Token|Negotiate)\s+)?[^\s,;&"'}\])]+""", re.IGNORECASE
)
_ITEM = re.compile(r"\{[^{}]*\}|\([^()]*\)")
_ENCRYPT_TRUE = re.compile(r"""encrypt\\?["']?\s*[:=]\s*\\?["']?(?:true|1)\b""", re.IGNORECASE)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(Bearer)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 " + REDACTED),
    (re.compile(r"\b(Basic)\s+[A-Za-z0-9+/=]{8,}"), r"\1 " + REDACTED),
    (re.compile(r"\b(dcaas_[0-9a-f]+_)[A-Za-z0-9_-]+"), r"\1" + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE), r"\1***@"),
    # OAuth values in a URL's query (a callback URL in an HTTP client's or proxy's line).
    (re.compile(r"([?&](?:code|state|code_verifier)=)[^&#\s\"']+"), r"\1" + REDACTED),
)
_CLOSE = {"[": "]", "{": "}", "(": ")"}


def _nothing_to_hide(text: str) -> bool:
    """No rule here can match text without ``:`` or ``=`` (every name/value pair, item and
    URL password needs one) and without a token's marker: most log text (paths, routes)."""
    if ":" in text or "=" in text or "dcaas_" in text or "eyJ" in text:
        return False
    lowered = text.lower()
    return "bearer" not in lowered and "basic" not in lowered


def redact_text(text: str) -> str:
    """``text`` with secret values, tokens, API keys and URL passwords hidden."""
    if _nothing_to_hide(text):
        return scrub(text)  # values in use have no marker to look for
    text = _ITEM.sub(_redact_item, text)
    text = _redact_pairs(text, is_secret_name)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return scrub(text)


def _redact_item(match: re.Match[str]) -> str:
    segment = match.group(0)
    if not _ENCRYPT_TRUE.search(segment):
        return segment
    return _redact_pairs(segment, lambda key: key == "value")


def _redact_pairs(text: str, is_secret: Callable[[str], bool]) -> str:
    out: list[str] = []
    last = pos = 0
    while (match := _PAIR.search(text, pos)) is not None:
        pos = match.end()
        if not is_secret(match["key"]):
            continue
        end = _value_end(text, pos)
        if end > pos:
            out += [text[last:pos], _mask(text[pos:end])]
            last = pos = end
    out.append(text[last:])
    return "".join(out)


def _value_end(text: str, start: int) -> int:
    """Where the value starting at ``start`` ends: quoted, bracketed or bare."""
    if text.startswith('\\"', start):
        close = text.find('\\"', start + 2)
        return len(text) if close < 0 else close + 2
    if text.startswith(("b'", 'b"'), start):
        return _quoted_end(text, start + 1)
    if start < len(text) and text[start] in "\"'":
        return _quoted_end(text, start)
    if start < len(text) and text[start] in _CLOSE:
        return _bracket_end(text, start)
    bare = _BARE.match(text, start)
    return start if bare is None else bare.end()


def _quoted_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return len(text)


def _bracket_end(text: str, start: int) -> int:
    stack, i = [_CLOSE[text[start]]], start + 1
    while i < len(text) and stack:
        char = text[i]
        if char in "\"'":
            i = _quoted_end(text, i)
            continue
        if char in _CLOSE:
            stack.append(_CLOSE[char])
        elif char == stack[-1]:
            stack.pop()
        i += 1
    return i


def _mask(value: str) -> str:
    """Keep a quoted value's quotes (and a ``b`` prefix) so the line keeps its shape."""
    for opener in ('\\"', "b'", 'b"', '"', "'"):
        closer = opener.removeprefix("b")
        if value.startswith(opener) and value.endswith(closer) and len(value) > len(opener):
            return opener + REDACTED + closer
    return REDACTED
