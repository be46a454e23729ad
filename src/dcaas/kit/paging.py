"""Opaque keyset cursors: a page is found by the last (sort value, id) seen, never by offset,
so a page deep in a million rows costs what the first one does."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from dcaas.errors import BadRequest, Code
from dcaas.kit.text import is_storable_text

Direction = Literal["next", "prev"]
T = TypeVar("T")


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    @classmethod
    def parse(cls, raw: str | None, allowed: tuple[str, ...], default: str) -> Sort:
        text = (raw or default).strip()
        descending = text.startswith("-")
        name = text.lstrip("+-").strip()
        # A bare '+' in a query string arrives as a space; treat it as ascending.
        if name not in allowed:
            raise BadRequest(
                f"cannot sort by {name!r}; use one of " + ", ".join(f"+{a}, -{a}" for a in allowed),
                code=Code.INVALID_QUERY,
                meta={"field": "sort"},
            )
        return cls(name, descending)

    @property
    def token(self) -> str:
        return ("-" if self.descending else "+") + self.field


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: Any
    id: str
    direction: Direction

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps({"s": self.sort, "v": value, "i": self.id, "d": self.direction})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: Sort, *, datetime_field: bool) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            value = data["v"]
            if datetime_field:
                value = datetime.fromisoformat(value)
            cursor = cls(sort=data["s"], value=value, id=str(data["i"]), direction=data["d"])
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as exc:
            raise _invalid("the page cursor is not valid; follow links.next or links.prev") from exc
        if cursor.sort != sort.token:
            raise _invalid("the page cursor was made for another sort order")
        if cursor.direction not in ("next", "prev") or not isinstance(cursor.value, str | datetime):
            raise _invalid("the page cursor is not valid")
        texts = (cursor.id, cursor.value) if isinstance(cursor.value, str) else (cursor.id,)
        if not all(is_storable_text(t) for t in texts):
            # A forged cursor: NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8).
            raise _invalid("the page cursor is not valid; follow links.next or links.prev")
        return cursor


def _invalid(detail: str) -> BadRequest:
    return BadRequest(detail, code=Code.INVALID_CURSOR, meta={"field": "page"})


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: Cursor | None
    prev: Cursor | None
    count: int
