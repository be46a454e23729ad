"""Shared file-store logic: previews from range reads, listing helpers, step running."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.connectors.drivers.conftest import csv_bytes, parquet_bytes

from dcaas.connectors.base import SourceFailure, Steps
from dcaas.connectors.drivers import files


class Store:
    """An in-memory file that records the ranges asked for."""

    def __init__(self, data: bytes, *, ignore_range: bool = False) -> None:
        self.data = data
        self.ranges: list[tuple[int, int]] = []
        self.ignore_range = ignore_range

    async def read(self, offset: int, length: int) -> bytes:
        self.ranges.append((offset, length))
        return self.data if self.ignore_range else self.data[offset : offset + length]

    def reader(self) -> files.RangedReader:
        return files.RangedReader(len(self.data), self.read)


async def test_csv_preview_has_header_rows_and_truncation():
    """A CSV previews as its header and the first max_rows rows, marked truncated."""
    preview = await files.preview("a/b.csv", Store(csv_bytes(50)).reader(), 1 << 20, 3)
    assert preview.kind == "rows"
    assert preview.columns == ["id", "name", "amount"]
    assert preview.rows == [["0", "name 0", "0.0"], ["1", "name 1", "1.5"], ["2", "name 2", "3.0"]]
    assert preview.truncated


async def test_csv_cut_at_the_byte_cap_drops_the_partial_line():
    """A CSV cut by the byte cap keeps only whole lines and reads no more than the cap."""
    store = Store(b"a,b\n1,2\n3,4\n55555,66666\n")
    preview = await files.preview("x.csv", store.reader(), 16, 10)
    assert preview.rows == [["1", "2"], ["3", "4"]]
    assert preview.bytes_read == 16
    assert preview.truncated


async def test_csv_delimiter_is_sniffed_and_tsv_known_by_name():
    """Semicolon CSVs are sniffed; .tsv files split on tabs."""
    semi = await files.preview("x.csv", Store(b"a;b\n1;2\n3;4\n").reader(), 1000, 10)
    tabs = await files.preview("x.tsv", Store(b"a\tb\n1\t2\n").reader(), 1000, 10)
    assert semi.columns == ["a", "b"]
    assert semi.rows == [["1", "2"], ["3", "4"]]
    assert tabs.rows == [["1", "2"]]
    assert not tabs.truncated


async def test_parquet_preview_reads_footer_and_first_row_group_only():
    """A large Parquet file previews from its footer and first row group, within the cap."""
    data = parquet_bytes(300_000)
    store = Store(data)
    preview = await files.preview("t.parquet", store.reader(), 96 * 1024, 3)
    assert preview.columns == ["id", "label"]
    assert preview.rows == [[0, "label 0"], [1, "label 1"], [2, "label 2"]]
    assert preview.bytes_read <= 96 * 1024 < len(data)
    assert preview.truncated


async def test_parquet_row_group_over_the_cap_gives_columns_only():
    """When the first row group does not fit, the preview has the columns and no rows."""
    data = parquet_bytes(200_000, row_group_size=200_000)
    preview = await files.preview("t.parquet", Store(data).reader(), 32 * 1024, 5)
    assert preview.columns == ["id", "label"]
    assert preview.rows == []
    assert preview.truncated
    assert preview.bytes_read <= 32 * 1024


async def test_parquet_footer_over_the_cap_is_refused():
    """A footer larger than the cap is refused with DCAAS-6015, reading within the cap."""
    data = parquet_bytes(100_000, row_group_size=100)  # 1,000 row groups: a large footer
    store = Store(data)
    with pytest.raises(SourceFailure) as caught:
        await files.preview("t.parquet", store.reader(), 16 * 1024, 5)
    assert caught.value.code == "DCAAS-6015"
    assert sum(length for _, length in store.ranges) <= 16 * 1024


async def test_parquet_nested_and_binary_values_become_json():
    """Lists, structs, bytes and dates in Parquet rows come out as JSON-friendly values."""
    table = pa.table(
        {"l": [[1, 2]], "s": [{"k": "v"}], "b": [b"\x00\x01"], "d": [dt.date(2024, 1, 2)]}
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    preview = await files.preview("n.parquet", Store(out.getvalue()).reader(), 1 << 20, 5)
    assert preview.rows == [[[1, 2], {"k": "v"}, "AAE=", "2024-01-02"]]


async def test_not_parquet_is_refused():
    """A .parquet name on other content is refused with DCAAS-6015."""
    with pytest.raises(SourceFailure) as caught:
        await files.preview("t.parquet", Store(b"hello world").reader(), 1000, 5)
    assert caught.value.code == "DCAAS-6015"


async def test_text_cut_inside_a_character_is_still_text():
    """A UTF-8 file cut by the cap in the middle of a character previews as text."""
    data = ("é" * 100).encode()
    preview = await files.preview("notes.txt", Store(data).reader(), 51, 10)
    assert preview.encoding == "utf-8"
    assert preview.content == "é" * 25
    assert preview.truncated


async def test_binary_is_base64_and_small_files_are_whole():
    """Binary content is base64; a file smaller than the cap is read whole, not truncated."""
    preview = await files.preview("x.bin", Store(b"\xff\x00\xfe").reader(), 1000, 10)
    assert (preview.encoding, preview.content) == ("base64", "/wD+")
    assert preview.bytes_read == 3
    assert not preview.truncated


async def test_bytes_read_counts_what_a_range_ignoring_store_sent():
    """A store that ignores ranges shows in bytes_read; the preview itself stays capped."""
    store = Store(b"x" * 10_000, ignore_range=True)
    preview = await files.preview("x.txt", store.reader(), 100, 10)
    assert preview.bytes_read == 10_000
    assert preview.content == "x" * 100


def test_listing_helpers_split_folders_and_files():
    """Paths become prefixes; prefixes become folders; keys become files named by last part."""
    assert files.as_prefix("/a/b/") == "a/b/"
    assert files.as_prefix("") == ""
    assert files.folder("a/b/").name == "b"
    entry = files.file("a/b/c.csv", 3, None, '"abc"')
    assert (entry.name, entry.type, entry.etag) == ("c.csv", "file", "abc")


async def test_run_steps_skips_the_rest_after_a_failure():
    """After a failing step, run_steps records the later steps as skipped."""
    ran: list[str] = []

    async def ok() -> None:
        ran.append("ok")

    async def boom() -> None:
        raise ConnectionRefusedError

    steps = Steps()
    await files.run_steps(steps, [("a", ok), ("b", boom), ("c", ok)])
    assert [(r.name, r.status, r.code) for r in steps.results] == [
        ("a", "passed", None),
        ("b", "failed", "DCAAS-6003"),
        ("c", "skipped", None),
    ]
    assert ran == ["ok"]
