"""What the file-store connectors (S3, GCS, SFTP, Azure) share: previews from range reads.

A store gives a :class:`RangedReader` (``size`` and ``read(offset, length)``); :func:`preview`
reads from it at most ``max_bytes`` and returns rows with column names and types for CSV,
TSV, JSON, NDJSON (and the ``.gz`` of each), Parquet and Excel, and the first bytes for
anything else. The reader counts what it returned, so ``bytes_read`` is what the store sent.

The format comes from the file name, else from the store's content type. A path may end in
``#selector`` after a JSON or Excel file name: a path into the JSON document (``data.items``)
or a sheet's name.
"""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from dcaas.connectors.base import (
    Entry,
    FailureClass,
    Preview,
    SourceFailure,
    StepFailed,
    Steps,
)
from dcaas.connectors.drivers import formats
from dcaas.connectors.drivers.plan import run_plan
from dcaas.connectors.drivers.workbook import workbook_table
from dcaas.connectors.failures import classify
from dcaas.connectors.spec import ConnectorProperties
from dcaas.errors import Code

P = TypeVar("P", bound=ConnectorProperties)

ReadRange = Callable[[int, int], Awaitable[bytes]]
"""``read(offset, length)``: at most ``length`` bytes of the file from ``offset``."""

_PARQUET_MAGIC = b"PAR1"
_PARQUET_TAIL = 8  # footer length (4 bytes, little endian) + magic
_SPECULATIVE_TAIL = 64 * 1024  # one read usually gets the whole footer


@dataclass
class RangedReader:
    """A file of known size read in ranges; counts the bytes it returned."""

    size: int
    read_range: ReadRange
    bytes_read: int = 0

    async def read(self, offset: int, length: int) -> bytes:
        length = max(0, min(length, self.size - offset))
        if length == 0:
            return b""
        data = await self.read_range(offset, length)
        self.bytes_read += len(data)  # what the store sent, even if it ignored the range
        return data[:length]


async def preview(
    path: str,
    reader: RangedReader,
    max_bytes: int,
    max_rows: int,
    content_type: str | None = None,
    *,
    wait: float = 30.0,
) -> Preview:
    """The start of the file at ``path``: rows when its format is known, bytes otherwise."""
    name, select = formats.split_selector(path)
    found = formats.detect(name, content_type)
    if found is None:
        return await _bytes(path, reader, max_bytes, content_type)
    try:
        if found.kind == "parquet":
            return await _parquet(path, reader, max_bytes, max_rows)
        if found.kind == "xlsx":
            table = await workbook_table(reader, max_bytes, max_rows, select, wait)
        else:
            table = await _text(found, reader, max_bytes, max_rows, select)
    except formats.NotThisFormat as exc:
        raise formats.unsupported(
            f"the file is named as {found.kind}{' (gzip)' if found.gzip else ''} but could not "
            f"be read as such ({exc})"
        ) from None
    return _table_preview(path, reader, table, formats.MEDIA_TYPES[found.kind])


def file_of(path: str) -> tuple[str, str | None]:
    """The file a preview path names, and its ``#selector`` (a JSON path or a sheet) if any."""
    return formats.split_selector(path)


async def _text(
    found: formats.Format, reader: RangedReader, max_bytes: int, max_rows: int, select: str | None
) -> formats.Table:
    data = await reader.read(0, max_bytes)
    complete = reader.size <= len(data)
    if found.gzip:
        data, complete = formats.gunzip(data, complete=complete, limit=max_bytes)
    return formats.text_table(found.kind, data, complete=complete, max_rows=max_rows, select=select)


def _table_preview(
    path: str, reader: RangedReader, table: formats.Table, content_type: str
) -> Preview:
    return Preview(
        path=path,
        kind="rows",
        columns=table.columns,
        types=table.types,
        rows=table.rows,
        bytes_read=reader.bytes_read,
        truncated=table.truncated,
        content_type=content_type,
    )


# -- bytes ---------------------------------------------------------------------------------
async def _bytes(
    path: str, reader: RangedReader, max_bytes: int, content_type: str | None
) -> Preview:
    data = await reader.read(0, max_bytes)
    truncated = reader.size > len(data)
    text = _utf8(data, truncated=truncated)
    if text is None:
        content, encoding = base64.b64encode(data).decode("ascii"), "base64"
    else:
        content, encoding = text, "utf-8"
    return Preview(
        path=path,
        kind="bytes",
        content=content,
        encoding=encoding,  # type: ignore[arg-type]
        bytes_read=reader.bytes_read,
        truncated=truncated,
        content_type=content_type,
    )


def _utf8(data: bytes, *, truncated: bool) -> str | None:
    """``data`` as text, allowing a character cut in half at the end of a truncated read."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8", errors="strict")
        return None


# -- Parquet -------------------------------------------------------------------------------
async def _parquet(path: str, reader: RangedReader, max_bytes: int, max_rows: int) -> Preview:
    """Footer first, then the first row group if it fits in what is left of ``max_bytes``."""
    tail_len = min(reader.size, max(_PARQUET_TAIL, max_bytes // 8), _SPECULATIVE_TAIL)
    tail = await reader.read(reader.size - tail_len, tail_len)
    if len(tail) < _PARQUET_TAIL or tail[-4:] != _PARQUET_MAGIC:
        raise _not_parquet()
    needed = struct.unpack("<I", tail[-8:-4])[0] + _PARQUET_TAIL
    if needed > reader.size:
        raise _not_parquet()
    if needed > len(tail):
        if reader.bytes_read + needed - len(tail) > max_bytes:
            raise _too_large("the Parquet footer alone is larger than the preview limit")
        tail = await reader.read(reader.size - needed, needed - len(tail)) + tail
    tail_start = reader.size - len(tail)
    sparse = _SparseFile(reader.size, {tail_start: tail})
    meta = await asyncio.to_thread(_metadata, sparse)
    schema = meta.schema.to_arrow_schema()
    columns = formats.Table(list(schema.names), [], [formats.arrow_type(t) for t in schema.types])
    if meta.num_row_groups == 0:
        return _rows_preview(path, reader, columns, [], truncated=False)
    start, end = _row_group_span(meta)
    missing = max(0, min(end, tail_start) - start)  # the tail may hold the row group already
    if reader.bytes_read + missing > max_bytes:
        # The schema is known; the first row group does not fit: columns without rows.
        return _rows_preview(path, reader, columns, [], truncated=True)
    if missing:
        sparse.add(start, await reader.read(start, missing))
    rows = await asyncio.to_thread(_first_rows, sparse, max_rows)
    return _rows_preview(path, reader, columns, rows, truncated=meta.num_rows > len(rows))


def _rows_preview(
    path: str,
    reader: RangedReader,
    columns: formats.Table,
    rows: list[list[Any]],
    *,
    truncated: bool,
) -> Preview:
    table = formats.Table(columns.columns, rows, columns.types, truncated)
    return _table_preview(path, reader, table, formats.MEDIA_TYPES["parquet"])


def _metadata(sparse: _SparseFile) -> Any:
    import pyarrow.parquet as pq  # noqa: PLC0415 - pyarrow loads only when a preview needs it

    return pq.ParquetFile(sparse).metadata


def _row_group_span(meta: Any) -> tuple[int, int]:
    """The byte range holding every column chunk of the first row group."""
    group = meta.row_group(0)
    start, end = None, 0
    for i in range(group.num_columns):
        col = group.column(i)
        first = col.data_page_offset
        if col.has_dictionary_page and col.dictionary_page_offset:
            first = min(first, col.dictionary_page_offset)
        start = first if start is None else min(start, first)
        end = max(end, first + col.total_compressed_size)
    return (start or 0), end


def _first_rows(sparse: _SparseFile, max_rows: int) -> list[list[Any]]:
    import pyarrow.parquet as pq  # noqa: PLC0415 - pyarrow loads only when a preview needs it

    table = pq.ParquetFile(sparse, pre_buffer=False).read_row_group(0).slice(0, max_rows)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [[formats.jsonable(col[r]) for col in columns] for r in range(table.num_rows)]


def _not_parquet() -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_UNSUPPORTED,
        FailureClass.CONFIGURATION,
        "the file is named .parquet but is not a Parquet file",
        http_status=400,
    )


def _too_large(detail: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_UNSUPPORTED,
        FailureClass.CONFIGURATION,
        f"{detail}; no preview is possible within it",
        http_status=400,
    )


class _SparseFile(io.RawIOBase):
    """A read-only file of ``size`` bytes of which only the fetched ranges hold data."""

    def __init__(self, size: int, ranges: dict[int, bytes]) -> None:
        super().__init__()
        self._size = size
        self._ranges = dict(ranges)
        self._pos = 0

    def add(self, offset: int, data: bytes) -> None:
        self._ranges[offset] = data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = max(0, min(len(view), self._size - self._pos))
        done = 0
        while done < want:
            done += self._fill(view[done:want])
        return done

    def _fill(self, view: memoryview) -> int:
        """Copy from the range holding the current position, or zeros up to the next range."""
        for start, data in self._ranges.items():
            if start <= self._pos < start + len(data):
                chunk = data[self._pos - start : self._pos - start + len(view)]
                view[: len(chunk)] = chunk
                self._pos += len(chunk)
                return len(chunk)
        # Not fetched: the Parquet reader reads a speculative tail larger than the footer
        # and uses only the footer; zeros stand in for the bytes it reads and ignores.
        count = min([len(view), *(s - self._pos for s in self._ranges if s > self._pos)])
        view[:count] = bytes(count)
        self._pos += count
        return count


# -- listings ------------------------------------------------------------------------------
def as_prefix(path: str) -> str:
    """A browse path as a key prefix: ``""`` for the root, else ``"a/b/"``."""
    path = path.strip("/")
    return f"{path}/" if path else ""


def folder(prefix: str) -> Entry:
    """A folder entry for a common prefix such as ``"a/b/"``."""
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    return Entry(name=name, path=prefix, type="folder")


def file(key: str, size: int | None, modified: str | None, etag: str | None = None) -> Entry:
    """A file entry for an object key."""
    return Entry(
        name=key.rsplit("/", 1)[-1],
        path=key,
        type="file",
        size=size,
        modified=modified,
        etag=etag.strip('"') if etag else None,
    )


def parse_properties(model: type[P], properties: dict[str, Any]) -> P:
    """The connector's typed properties. Missing credentials are not refused here (the
    service checked the definition; a credential chosen per user may be absent): the
    authenticate step reports them."""
    return model.model_validate({**properties, "separateCredentials": True})


# -- running steps and classifying ---------------------------------------------------------
StepCall = Callable[[], Awaitable[None]]


async def run_steps(steps: Steps, plan: list[tuple[str, StepCall]]) -> None:
    """Run each named step in order; after a failure, record the rest as skipped."""
    with suppress(StepFailed):
        await run_plan(steps, plan)


@asynccontextmanager
async def classified() -> AsyncIterator[None]:
    """Browse and preview raise only classified failures (through the one table)."""
    try:
        yield
    except SourceFailure:
        raise
    except Exception as exc:
        raise classify(exc) from exc


async def open_socket(addresses: list[str], port: int, within: float) -> socket.socket:
    """A TCP connection to the first checked address that answers ``within`` seconds."""
    loop = asyncio.get_running_loop()
    last: BaseException | None = None
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)  # noqa: FBT003 - the socket API's own flag
        try:
            async with asyncio.timeout(within):
                await loop.sock_connect(sock, (address, port))
        except (OSError, TimeoutError) as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last or ConnectionRefusedError("no address to connect to")


async def probe(addresses: list[str], port: int, within: float) -> None:
    """The ``connect`` step of an HTTP store: a TCP connection opens, then closes."""
    (await open_socket(addresses, port, within)).close()
