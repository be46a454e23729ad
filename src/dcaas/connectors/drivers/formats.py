"""Reading the head of a file as a table: CSV/TSV, JSON, NDJSON, their ``.gz``, and types.

Every reader here works on the *first bytes* of a document (what a preview may read) and
says whether they were all of it: a cut CSV or NDJSON loses its last line, a cut JSON
document is parsed as far as it goes (:func:`partial_json`) and loses the item that was cut.
Parquet and Excel need ranged reads and live in :mod:`dcaas.connectors.drivers.files` and
:mod:`dcaas.connectors.drivers.workbook`; their values get their types here too.

Types are one of ``string``, ``integer``, ``number``, ``boolean``, ``date``, ``datetime``,
``time``, ``object``, ``array``, ``binary``, ``mixed`` and ``null`` (no value seen).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import posixpath
import re
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ijson

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.errors import Code

TEXT_KINDS = frozenset({"csv", "tsv", "json", "ndjson"})
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "text/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson",
    "application/vnd.apache.parquet": "parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_DELIMITERS = ",;\t|"
_SELECTORS = (".json", ".ndjson", ".jsonl", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class Format:
    kind: str  # csv, tsv, json, ndjson, parquet, xlsx
    gzip: bool = False


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    types: list[str] = field(default_factory=list)
    truncated: bool = False


class NotThisFormat(Exception):
    """The bytes are not in the format the name or content type promised."""


def detect(name: str, content_type: str | None = None) -> Format | None:
    """The format of a file by its name (``.csv``, ``.json.gz`` ...), else its content type."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    kind = _SUFFIXES.get(posixpath.splitext(lower.removesuffix(".gz"))[1])
    if kind is None and content_type and not gz:
        media = content_type.split(";", 1)[0].strip().lower()
        kind = _CONTENT_TYPES.get(media) or ("json" if media.endswith("+json") else None)
    if kind is None or (gz and kind not in TEXT_KINDS):
        return None
    return Format(kind, gzip=gz)


def split_selector(path: str) -> tuple[str, str | None]:
    """``data/x.json#items`` -> (``data/x.json``, ``items``): a path into a JSON document
    or a workbook's sheet, after the last ``#`` that follows a JSON or Excel file name."""
    name, sep, selector = path.rpartition("#")
    if sep and name.lower().removesuffix(".gz").endswith(_SELECTORS):
        return name, selector or None
    return path, None


def unsupported(detail: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_UNSUPPORTED, FailureClass.CONFIGURATION, detail, http_status=400
    )


# -- gzip ----------------------------------------------------------------------------------
def gunzip(data: bytes, *, complete: bool, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes inflated from the head of a gzip file, and whether that is all
    of its content (inflating stops at ``limit``: a small file cannot expand without bound)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error:
        raise NotThisFormat("gzip") from None
    whole = complete and inflater.eof and not inflater.unconsumed_tail
    return out, whole


# -- text formats --------------------------------------------------------------------------
def text_table(
    kind: str, data: bytes, *, complete: bool, max_rows: int, select: str | None = None
) -> Table:
    """Rows from the head of a CSV, TSV, JSON or NDJSON document."""
    if kind in {"csv", "tsv"}:
        return _csv(data, complete=complete, max_rows=max_rows, tabs=kind == "tsv")
    if kind == "ndjson":
        return _ndjson(data, complete=complete, max_rows=max_rows)
    doc, whole = partial_json(data, complete=complete)
    items, cut = find_records(doc, select)
    return records_table(items, max_rows, truncated=cut and not whole)


def _whole_lines(data: bytes, *, complete: bool) -> bytes:
    if complete:
        return data
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut >= 0 else b""


def _csv(data: bytes, *, complete: bool, max_rows: int, tabs: bool) -> Table:
    text = _whole_lines(data, complete=complete).decode("utf-8-sig", errors="replace")
    delimiter = "\t" if tabs else _sniff(text)
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if len(rows) > max_rows + 1:  # the header, the rows, one more
            break
        rows.append(row)
    if not rows:
        return Table([], [], [], truncated=not complete)
    width = max(len(r) for r in rows)
    if _is_header(rows[0]):
        columns, body = _names(rows[0], width), rows[1:]
    else:
        columns, body = [f"column{i + 1}" for i in range(width)], rows
    more = len(body) > max_rows
    body = [r + [""] * (width - len(r)) for r in body[:max_rows]]
    types = [string_type([r[i] for r in body]) for i in range(width)]
    return Table(columns, [list(r) for r in body], types, truncated=more or not complete)


def _sniff(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _is_header(first: list[str]) -> bool:
    """The first row names the columns unless it looks like data: an empty, repeated or
    typed (numeric, boolean, date) cell. Most files have a header; a first row of plain
    words is taken as one."""
    cells = [c.strip() for c in first]
    if not cells or any(not c for c in cells) or len(set(cells)) < len(cells):
        return False
    return all(string_type([c]) == "string" for c in cells)


def _names(header: list[str], width: int) -> list[str]:
    names = [c.strip() for c in header]
    return names + [f"column{i + 1}" for i in range(len(names), width)]


def _ndjson(data: bytes, *, complete: bool, max_rows: int) -> Table:
    text = _whole_lines(data, complete=complete).decode("utf-8-sig", errors="replace")
    items: list[Any] = []
    lines = (line for line in text.splitlines() if line.strip())
    for number, line in enumerate(lines, 1):
        if len(items) > max_rows:
            break
        try:
            items.append(json.loads(line))
        except ValueError:
            raise NotThisFormat(f"line {number} is not JSON") from None
    return records_table(items, max_rows, truncated=not complete)


# -- JSON ----------------------------------------------------------------------------------
class _Builder:
    """Builds a document from ijson's events; :meth:`cut` closes what a truncation left open."""

    def __init__(self) -> None:
        self.root: Any = None
        self.stack: list[dict[str, Any] | list[Any]] = []
        self.keys: list[str | None] = []

    def event(self, event: str, value: Any) -> None:
        if event == "map_key":
            self.keys[-1] = value
        elif event in {"start_map", "start_array"}:
            container: dict[str, Any] | list[Any] = {} if event == "start_map" else []
            self._add(container)
            self.stack.append(container)
            self.keys.append(None)
        elif event in {"end_map", "end_array"}:
            self.stack.pop()
            self.keys.pop()
        else:
            self._add(float(value) if isinstance(value, Decimal) else value)

    def _add(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[str(self.keys[-1])] = value

    def cut(self) -> None:
        """The last item of every open array may be cut short: drop it."""
        for container in self.stack:
            if isinstance(container, list) and container:
                container.pop()


def partial_json(data: bytes, *, complete: bool) -> tuple[Any, bool]:
    """The document in ``data``, or as much of it as was read; and whether it is whole."""
    builder = _Builder()
    try:
        for _prefix, event, value in ijson.parse(io.BytesIO(data.removeprefix(b"\xef\xbb\xbf"))):
            builder.event(event, value)
    except ijson.IncompleteJSONError:
        if complete or not builder.stack:
            raise NotThisFormat("not a JSON document") from None
        builder.cut()
        return builder.root, False
    except ijson.JSONError:
        raise NotThisFormat("not a JSON document") from None
    return builder.root, True


def resolve(doc: Any, path: str) -> Any:
    """What ``a.b``, ``a/0/b``, ``$.a.b`` or ``root/a`` names in ``doc``; KeyError if nothing."""
    text = path.strip().removeprefix("$").lstrip(".")
    parts = [p for p in text.replace("/", ".").split(".") if p]
    if parts and parts[0] == "root":
        parts = parts[1:]
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(path)
    return node


def find_records(doc: Any, select: str | None) -> tuple[list[Any], bool]:
    """The list to show as rows, and whether it is (or is inside) what a cut may shorten.

    With ``select``, the list (or single value) at that path. Without, the document itself
    when it is a list; else the shallowest list of objects in it, the first in document order;
    else the object itself as one row.
    """
    if select:
        try:
            found = resolve(doc, select)
        except KeyError:
            raise SourceFailure(
                Code.SOURCE_NOT_FOUND,
                FailureClass.CONFIGURATION,
                f"the document has nothing at {select!r}; check the path",
                http_status=404,
            ) from None
        return (found if isinstance(found, list) else [found]), True
    if isinstance(doc, list):
        return doc, True
    if not isinstance(doc, dict):
        return [doc], True
    level = [doc]
    while level:
        for node in level:
            for value in node.values():
                if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                    return value, True
        level = [v for n in level for v in n.values() if isinstance(v, dict)]
    return [doc], True


def records_table(items: list[Any], max_rows: int, *, truncated: bool) -> Table:
    """Objects as rows under the union of their keys; anything else under one ``value``."""
    shown = items[:max_rows]
    more = truncated or len(items) > max_rows
    if not shown or not all(isinstance(i, dict) for i in shown):
        rows = [[jsonable(i)] for i in shown]
        return Table(["value"], rows, [value_type([r[0] for r in rows])], more)
    columns: list[str] = []
    for item in shown:
        columns += [k for k in item if k not in columns]
    rows = [[jsonable(item.get(c)) for c in columns] for item in shown]
    types = [value_type([item.get(c) for item in shown]) for c in columns]
    return Table(columns, rows, types, more)


# -- values and types ----------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A value as JSON can carry it: bytes as base64, dates and decimals as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


# Checked in order: bool before int, datetime before date.
_PYTHON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    ((float, Decimal), "number"),
    (str, "string"),
    (dt.datetime, "datetime"),
    (dt.date, "date"),
    (dt.time, "time"),
    (dict, "object"),
    ((list, tuple), "array"),
    (bytes, "binary"),
)


def _type_of(value: Any) -> str:
    return next((name for kind, name in _PYTHON_TYPES if isinstance(value, kind)), "string")


def value_type(values: list[Any]) -> str:
    """The type of a column of typed values (JSON, Excel): integers and numbers make number."""
    seen = {_type_of(v) for v in values if v is not None}
    if not seen:
        return "null"
    if seen == {"integer", "number"}:
        return "number"
    return seen.pop() if len(seen) == 1 else "mixed"


_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_BOOLEANS = frozenset({"true", "false"})


def string_type(values: list[str]) -> str:
    """The type text cells look like (CSV): every non-empty cell must fit it."""
    cells = [v.strip() for v in values if v.strip()]
    if not cells:
        return "string"
    for name, fits in (
        ("integer", _INTEGER.fullmatch),
        ("number", _NUMBER.fullmatch),
        ("boolean", lambda c: c.lower() in _BOOLEANS),
        ("date", _DATE.fullmatch),
        ("datetime", _DATETIME.fullmatch),
    ):
        if all(fits(c) for c in cells):
            return name
    return "string"


_ARROW_TYPES = (
    (("is_boolean",), "boolean"),
    (("is_integer",), "integer"),
    (("is_floating", "is_decimal"), "number"),
    (("is_string", "is_large_string"), "string"),
    (("is_timestamp",), "datetime"),
    (("is_date",), "date"),
    (("is_time",), "time"),
    (("is_binary", "is_large_binary", "is_fixed_size_binary"), "binary"),
    (("is_struct", "is_map"), "object"),
    (("is_list", "is_large_list"), "array"),
)


def arrow_type(arrow: Any) -> str:
    """The type of a Parquet column from its Arrow type."""
    import pyarrow.types as pt  # noqa: PLC0415 - pyarrow loads only when a preview needs it

    for tests, name in _ARROW_TYPES:
        if any(getattr(pt, test)(arrow) for test in tests):
            return name
    return str(arrow)
