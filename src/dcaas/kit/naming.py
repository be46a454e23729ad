"""Errors name a field the way the request named it.

Qlik's clients write the same create fields two ways: ``qName`` / ``datasourceID`` / ``space``
(the data-connections spec) and ``connectionName`` / ``dataSourceId`` / ``spaceId`` (the
deprecated dcaas API and every qlik.dev example). The schemas accept both; an error about
such a field uses the name the client sent, and on the deprecated endpoint, where the second
spelling is the documented one, the second spelling unless the client sent the first.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from dcaas.errors import DcaasError

if TYPE_CHECKING:
    from collections.abc import Iterator

QLIK_ALIASES = {"qName": "connectionName", "datasourceID": "dataSourceId", "space": "spaceId"}
# Words too common to replace anywhere in a sentence: only after "field ".
_PLAIN_WORDS = frozenset({"space"})


@contextlib.contextmanager
def named_as_sent(data: Any, *, prefer_aliases: bool = False) -> Iterator[None]:
    """Rename the fields that errors raised inside name, to the client's spelling."""
    try:
        yield
    except DcaasError as exc:
        sent = data if isinstance(data, dict) else {}
        renames = {
            canonical: alias
            for canonical, alias in QLIK_ALIASES.items()
            if canonical not in sent and (alias in sent or prefer_aliases)
        }
        if renames:
            rename_fields(exc, renames)
        raise


def rename_fields(error: DcaasError, renames: dict[str, str]) -> None:
    """Rewrite ``meta`` (field, pointer, missing, fields) and the detail in place."""
    meta = error.meta

    def top(name: str) -> str:
        head, dot, rest = name.partition(".")
        return renames.get(head, head) + dot + rest

    if isinstance(meta.get("field"), str):
        meta["field"] = top(meta["field"])
        if "pointer" in meta:
            meta["pointer"] = "/" + meta["field"].replace(".", "/")
    for key in ("missing", "fields"):
        if isinstance(meta.get(key), list):
            meta[key] = [top(n) if isinstance(n, str) else n for n in meta[key]]
    for canonical, alias in renames.items():
        pattern = rf"(?<=field ){canonical}\b" if canonical in _PLAIN_WORDS else rf"\b{canonical}\b"
        error.detail = re.sub(pattern, alias, error.detail)
