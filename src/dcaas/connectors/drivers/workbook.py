"""Excel (``.xlsx``) previews: openpyxl reads the workbook through ranged reads, within the cap.

An ``.xlsx`` file is a zip archive whose directory is at its end: reading it from the start
would need the whole file. openpyxl (read-only mode) is given a file object that fetches
blocks (64 KiB, less under a small cap) on demand through the store's ranged reads, so a
preview reads the directory, the workbook's small parts, the shared strings and the start of
the first sheet, and stops at the byte cap. openpyxl is synchronous: it runs in a worker
thread, whose block fetches go back to the event loop.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import TYPE_CHECKING, Any

from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.drivers.formats import Table, jsonable, unsupported, value_type
from dcaas.errors import Code

if TYPE_CHECKING:
    from collections.abc import Callable

    from dcaas.connectors.drivers.files import RangedReader

_BLOCK = 64 * 1024  # at most; a sixteenth of the cap under 1 MiB
_MIN_BLOCK = 4096


class _OverBudget(Exception):
    """The next block would take the preview past its byte cap."""


class _LazyFile(io.RawIOBase):
    """A read-only file of ``size`` bytes fetched in blocks on first use."""

    def __init__(self, size: int, fetch: Callable[[int, int], bytes], block: int) -> None:
        super().__init__()
        self._size = size
        self._block = block
        self._fetch = fetch
        self._blocks: dict[int, bytes] = {}
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos >= self._size:
            return 0
        size = self._block
        index = self._pos // size
        block = self._blocks.get(index)
        if block is None:
            block = self._fetch(index * size, min(size, self._size - index * size))
            self._blocks[index] = block
        chunk = block[self._pos - index * size :][: len(view)]
        view[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


async def workbook_table(
    reader: RangedReader, max_bytes: int, max_rows: int, sheet: str | None, wait: float
) -> Table:
    """The first rows of the first sheet (or of ``sheet``) of an ``.xlsx`` file."""
    loop = asyncio.get_running_loop()

    def fetch(offset: int, length: int) -> bytes:
        if reader.bytes_read + length > max_bytes:
            raise _OverBudget
        future = asyncio.run_coroutine_threadsafe(reader.read(offset, length), loop)
        return future.result(wait)  # a block that never comes ends the thread

    block = max(_MIN_BLOCK, min(_BLOCK, max_bytes // 16))
    return await asyncio.to_thread(_read, _LazyFile(reader.size, fetch, block), max_rows, sheet)


def _read(raw: _LazyFile, max_rows: int, sheet: str | None) -> Table:
    import openpyxl  # noqa: PLC0415 - loaded only when a workbook is previewed

    try:
        book = openpyxl.load_workbook(
            io.BufferedReader(raw, _MIN_BLOCK), read_only=True, data_only=True
        )
    except _OverBudget:
        raise unsupported(
            "the workbook's directory and shared strings (or, from writers that leave out the "
            "sheet's dimension record, its first sheet) are larger than the preview limit; "
            "no preview is possible within it"
        ) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise unsupported("the file is named .xlsx but is not an Excel workbook") from None
    try:
        rows, over = _rows(_sheet(book, sheet), max_rows)
    finally:
        book.close()
    return _table(rows, max_rows, truncated=over)


def _sheet(book: Any, name: str | None) -> Any:
    if name is None:
        return book.worksheets[0]
    if name not in book.sheetnames:
        raise SourceFailure(
            Code.SOURCE_NOT_FOUND,
            FailureClass.CONFIGURATION,
            f"the workbook has no sheet {name!r}; its sheets are " + ", ".join(book.sheetnames),
            http_status=404,
        )
    return book[name]


def _rows(sheet: Any, max_rows: int) -> tuple[list[list[Any]], bool]:
    rows: list[list[Any]] = []
    try:
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > max_rows + 1:  # the header, the rows, one more
                break
    except _OverBudget:
        return rows, True
    return rows, False


def _table(rows: list[list[Any]], max_rows: int, *, truncated: bool) -> Table:
    width = max((i + 1 for r in rows for i, v in enumerate(r) if v is not None), default=0)
    rows = [(r + [None] * width)[:width] for r in rows if any(v is not None for v in r)]
    if not rows:
        return Table([], [], [], truncated)
    first = rows[0]
    names = [str(v).strip() if isinstance(v, str) else "" for v in first]
    if all(names) and len(set(names)) == len(names):
        columns, body = names, rows[1:]
    else:
        columns, body = [f"column{i + 1}" for i in range(width)], rows
    more = truncated or len(body) > max_rows
    body = body[:max_rows]
    types = [value_type([r[i] for r in body]) for i in range(width)]
    return Table(columns, [[jsonable(v) for v in r] for r in body], types, more)
