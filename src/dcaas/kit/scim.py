"""SCIM 2.0 filter expressions (RFC 7644 §3.4.2.2, a subset) parsed and compiled to SQL.

Supported: ``attr op value`` with ``eq ne co sw ew gt ge lt le``, ``attr pr``, ``and``, ``or``,
``not``, and parentheses. Keywords are case-insensitive; ``and`` binds tighter than ``or``.

Every comparison compiles to a two-valued SQL predicate (never NULL), so ``not`` keeps SCIM
semantics on rows where the attribute is missing instead of dropping them as SQL's three-valued
logic would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, not_, or_

from dcaas.errors import BadRequest, Code

MAX_LENGTH = 2000
MAX_DEPTH = 32

Value = str | bool | int | float | None


class FieldKind(StrEnum):
    STRING = "string"
    FOLDED = "folded"  # a string compared case-insensitively by every operator
    DATETIME = "datetime"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    CO = "co"
    SW = "sw"
    EW = "ew"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


@dataclass(frozen=True)
class FilterField:
    """A filterable attribute; ``column`` may be a Core column or an ORM attribute."""

    column: SQLColumnExpression[Any]
    kind: FieldKind = FieldKind.STRING


@dataclass(frozen=True)
class Compare:
    attr: str
    op: Op
    value: Value
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Present:
    attr: str
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | Present | And | Or | Not

_OPERATORS = "eq, ne, co, sw, ew, gt, ge, lt, le, pr"
_LITERALS: dict[str, Value] = {"true": True, "false": False, "null": None}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:$-]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING_END = re.compile(r'["\\]')
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?)?", re.ASCII
)


def _error(detail: str, position: int | None = None) -> BadRequest:
    meta: dict[str, Any] = {"field": "filter"}
    if position is not None:
        meta["position"] = position
    return BadRequest(detail, code=Code.INVALID_FILTER, meta=meta)


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "string", "number", "(", ")" or "end"
    text: str
    position: int
    value: Value = None


def _read_string(text: str, start: int) -> _Token:
    pos = start + 1
    while (match := _STRING_END.search(text, pos)) is not None:
        if match.group() == '"':
            raw = text[start : match.end()]
            try:
                value = json.loads(raw)
            except ValueError as exc:
                at = start + getattr(exc, "pos", 0)
                raise _error(
                    f"invalid escape sequence or control character in string at position {at}", at
                ) from None
            # Rejected here because the database drivers would fail on them at execution time.
            if any(c == "\0" or "\ud800" <= c <= "\udfff" for c in value):
                raise _error(f"string at position {start} contains a NUL or lone surrogate", start)
            return _Token("string", raw, start, value)
        pos = match.end() + 1  # skip the escaped character, whatever it is
    raise _error(f"unterminated string at position {start}", start)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = _skip_space(text, 0)
    while pos < len(text):
        char = text[pos]
        if char in "()":
            token = _Token(char, char, pos)
        elif char == '"':
            token = _read_string(text, pos)
        elif number := _NUMBER.match(text, pos):
            token = _Token("number", number.group(), pos, json.loads(number.group()))
        elif word := _WORD.match(text, pos):
            token = _Token("word", word.group(), pos)
        else:
            raise _error(f"unexpected character {char!r} at position {pos}", pos)
        tokens.append(token)
        pos = _skip_space(text, pos + len(token.text))
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.lower() in words

    def fail(self, expected: str) -> BadRequest:
        token = self.peek()
        shown = "end of filter" if token.kind == "end" else repr(token.text[:40])
        return _error(
            f"unexpected {shown} at position {token.position}; expected {expected}", token.position
        )

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise _error("filter is empty", 0)
        node = self.parse_or()
        if self.peek().kind != "end":
            raise self.fail("'and', 'or' or the end of the filter")
        return node

    def chain(self, word: str, parse_item: Callable[[], Node]) -> list[Node]:
        items = [parse_item()]
        while self.keyword(word):
            self.take()
            items.append(parse_item())
        return items

    def parse_or(self) -> Node:
        items = self.chain("or", self.parse_and)
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = self.chain("and", self.parse_unary)
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        if not (self.keyword("not") or self.peek().kind == "("):
            return self.parse_comparison()
        opener = self.take()
        # The bound keeps recursion far from Python's limit whatever the input.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(
                f"filter nests too deeply at position {opener.position}; "
                f"at most {MAX_DEPTH} levels of parentheses and 'not' are allowed",
                opener.position,
            )
        if opener.kind == "word":
            node: Node = Not(self.parse_unary())
        else:
            node = self.parse_or()
            if self.peek().kind != ")":
                raise self.fail(f"')' to close the '(' at position {opener.position}")
            self.take()
        self.depth -= 1
        return node

    def parse_comparison(self) -> Node:
        attr = self.peek()
        if attr.kind != "word" or self.keyword("and", "or"):
            raise self.fail("an attribute name, 'not' or '('")
        self.take()
        if self.keyword("pr"):
            self.take()
            return Present(attr.text, attr.position)
        if not self.keyword(*Op):
            raise self.fail(f"an operator ({_OPERATORS})")
        op = Op(self.take().text.lower())
        value = self.peek()
        if value.kind in {"string", "number"}:
            return Compare(attr.text, op, self.take().value, attr.position)
        if self.keyword(*_LITERALS):
            return Compare(attr.text, op, _LITERALS[self.take().text.lower()], attr.position)
        raise self.fail("a value (a quoted string, true, false, null or a number)")


def parse_filter(text: str) -> Node:
    """Parse a SCIM filter into an AST; any problem raises :class:`BadRequest`."""
    if len(text) > MAX_LENGTH:
        raise _error(
            f"filter is too long: {len(text)} characters; at most {MAX_LENGTH} are allowed",
            MAX_LENGTH,
        )
    return _Parser(text).parse()


def _resolve(
    attr: str, fields: Mapping[str, FilterField], position: int | None
) -> tuple[str, FilterField]:
    if attr in fields:
        return attr, fields[attr]
    matches = [name for name in fields if name.lower() == attr.lower()]
    if len(matches) == 1:
        return matches[0], fields[matches[0]]
    known = ", ".join(sorted(fields, key=str.lower))
    raise _error(f"unknown attribute {attr!r}; filterable attributes are: {known}", position)


def _datetime_value(name: str, value: Value, position: int | None) -> datetime:
    example = '"2000-01-10T15:04:05Z"'
    problem = f"value for {name!r} must be an RFC 3339 date-time such as {example}"
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise _error(problem, position)
    # fromisoformat (3.11) wants an upper-case "T" separator and no "Z"; RFC 3339 allows both.
    text = value.upper().replace(" ", "T")
    text = text.removesuffix("Z") + "+00:00" if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(text)
        # A value without an offset is read as UTC, the zone the columns are stored in.
        aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return aware.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise _error(f"{problem}; {value!r} is not a valid date-time", position) from None


def _like_pattern(op: Op, value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {Op.CO: f"%{escaped}%", Op.SW: f"{escaped}%", Op.EW: f"%{escaped}"}[op]


_Builder = Callable[[SQLColumnExpression[Any], Any], ColumnElement[bool]]
_ORDERING: dict[Op, _Builder] = {
    Op.EQ: lambda col, v: col == v,
    Op.GT: lambda col, v: col > v,
    Op.GE: lambda col, v: col >= v,
    Op.LT: lambda col, v: col < v,
    Op.LE: lambda col, v: col <= v,
}


def _operand(node: Compare, name: str, kind: FieldKind) -> str | datetime:
    if kind is FieldKind.DATETIME:
        if node.op in {Op.CO, Op.SW, Op.EW}:
            raise _error(
                f"operator {node.op} does not apply to date-time attribute {name!r}; "
                "use eq, ne, gt, ge, lt, le or pr",
                node.position,
            )
        return _datetime_value(name, node.value, node.position)
    if not isinstance(node.value, str):
        shown = json.dumps(node.value)
        raise _error(f"value for {name!r} must be a quoted string, not {shown}", node.position)
    return node.value


def _compare(node: Compare, fields: Mapping[str, FilterField]) -> ColumnElement[bool]:
    name, target = _resolve(node.attr, fields, node.position)
    col, op = target.column, node.op
    if node.value is None:
        if op not in {Op.EQ, Op.NE}:
            raise _error(f"null can only be compared with eq or ne, not {op}", node.position)
        return col.is_(None) if op is Op.EQ else col.is_not(None)
    operand = _operand(node, name, target.kind)
    if target.kind is FieldKind.FOLDED and isinstance(operand, str):
        col, operand = func.lower(col), operand.lower()
    if op is Op.NE:
        # SCIM: `ne` is true when the attribute is missing.
        return or_(col != operand, col.is_(None))
    if op in _ORDERING:
        condition = _ORDERING[op](col, operand)
    else:
        # Lower-casing both sides keeps LIKE case-insensitive on PostgreSQL as on SQLite.
        condition = func.lower(col).like(_like_pattern(op, str(operand)), escape="\\")
    # The IS NOT NULL guard makes the predicate FALSE rather than NULL on missing values.
    return and_(col.is_not(None), condition)


def compile_filter(node: Node, fields: Mapping[str, FilterField]) -> ColumnElement[bool]:
    """Translate a parsed filter into a SQLAlchemy boolean over ``fields``' columns."""
    match node:
        case Compare():
            return _compare(node, fields)
        case Present():
            return _resolve(node.attr, fields, node.position)[1].column.is_not(None)
        case And(items):
            return and_(*(compile_filter(item, fields) for item in items))
        case Or(items):
            return or_(*(compile_filter(item, fields) for item in items))
        case Not(item):
            return not_(compile_filter(item, fields))


def filter_clause(text: str, fields: Mapping[str, FilterField]) -> ColumnElement[bool]:
    """Parse ``text`` and compile it against ``fields`` in one step."""
    return compile_filter(parse_filter(text), fields)
