"""Previews of real formats from the head of a file: CSV/TSV, JSON, NDJSON, gzip, Excel, types."""

from __future__ import annotations

import gzip
import io
import json
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.connectors.drivers.conftest import (
    BIG_CAP,
    assert_big_preview,
    assert_format_preview,
    big_files,
    csv_bytes,
    format_files,
    xlsx_bytes,
)
from tests.connectors.drivers.test_files import Store

from dcaas.connectors.base import SourceFailure
from dcaas.connectors.drivers import files, formats


@pytest.mark.parametrize("name", sorted(format_files()))
async def test_each_format_previews_as_rows_with_types(name: str) -> None:
    """CSV, TSV, JSON, NDJSON, Parquet, Excel and gzipped text each preview as typed rows."""
    data = format_files()[name]
    preview = await files.preview(name, Store(data).reader(), 1 << 20, 10)
    assert_format_preview(preview, name)


@pytest.mark.parametrize("name", sorted(big_files()))
async def test_files_over_the_cap_preview_within_it(name: str) -> None:
    """A file larger than the byte cap still previews as rows, reading at most the cap."""
    data = big_files()[name]
    store = Store(data)
    assert len(data) > BIG_CAP
    preview = await files.preview(name, store.reader(), BIG_CAP, 10)
    assert_big_preview(preview, name)
    assert sum(length for _, length in store.ranges) <= BIG_CAP


async def test_json_cut_by_the_cap_drops_the_cut_record() -> None:
    """A JSON array cut mid-record keeps only whole records and says truncated."""
    data = json.dumps([{"a": i, "b": "x" * 20} for i in range(100)]).encode()
    preview = await files.preview("t.json", Store(data).reader(), 200, 100)
    assert preview.columns == ["a", "b"]
    assert preview.rows
    assert all(len(r) == 2 and r[1] == "x" * 20 for r in preview.rows)
    assert preview.truncated


async def test_json_object_with_one_array_of_records_is_found() -> None:
    """An object holding an array of records previews as that array, found automatically."""
    doc = {"count": 2, "page": {"next": None}, "result": {"items": [{"id": 1}, {"id": 2}]}}
    preview = await files.preview("r.json", Store(json.dumps(doc).encode()).reader(), 1000, 10)
    assert (preview.columns, preview.rows) == (["id"], [[1], [2]])


async def test_a_path_after_hash_chooses_another_array() -> None:
    """``file.json#a.b`` previews the array at a.b instead of the one found automatically."""
    doc = {"data": [{"x": 1}], "other": {"list": [{"y": 2}, {"y": 3}]}}
    store = Store(json.dumps(doc).encode())
    preview = await files.preview("d.json#other.list", store.reader(), 1000, 10)
    assert (preview.columns, preview.rows) == (["y"], [[2], [3]])
    with pytest.raises(SourceFailure) as caught:
        await files.preview(
            "d.json#nothing.here", Store(json.dumps(doc).encode()).reader(), 1000, 5
        )
    assert caught.value.http_status == 404


async def test_json_values_keep_their_types() -> None:
    """JSON rows keep numbers, booleans, nulls and nested values; the types say so."""
    doc = [{"n": 1, "f": 1.5, "b": True, "s": "x", "o": {"k": 1}, "l": [1], "z": None}]
    preview = await files.preview("v.json", Store(json.dumps(doc).encode()).reader(), 1000, 5)
    assert preview.rows == [[1, 1.5, True, "x", {"k": 1}, [1], None]]
    assert preview.types == ["integer", "number", "boolean", "string", "object", "array", "null"]


async def test_a_json_name_on_other_content_is_refused() -> None:
    """A .json file that is not JSON is refused with DCAAS-6015, not shown as garbage rows."""
    with pytest.raises(SourceFailure) as caught:
        await files.preview("x.json", Store(b"hello, world").reader(), 1000, 5)
    assert caught.value.code == "DCAAS-6015"


async def test_content_type_names_the_format_of_an_unsuffixed_file() -> None:
    """A file without a known suffix but with a JSON content type previews as rows."""
    store = Store(b'[{"a": 1}]')
    preview = await files.preview("export", store.reader(), 1000, 5, "application/json")
    assert (preview.kind, preview.rows) == ("rows", [[1]])


async def test_ndjson_cut_by_the_cap_keeps_whole_lines() -> None:
    """An NDJSON file cut by the cap keeps only whole lines."""
    data = b"".join(json.dumps({"i": i}).encode() + b"\n" for i in range(100))
    preview = await files.preview("e.ndjson", Store(data).reader(), 50, 100)
    assert preview.rows == [[i] for i in range(len(preview.rows))]
    assert preview.truncated


async def test_csv_without_a_header_gets_column_names() -> None:
    """A CSV whose first row is data gets column1..N and keeps that row."""
    preview = await files.preview("n.csv", Store(b"1,alpha\n2,beta\n").reader(), 1000, 5)
    assert preview.columns == ["column1", "column2"]
    assert preview.rows == [["1", "alpha"], ["2", "beta"]]
    assert preview.types == ["integer", "string"]


async def test_csv_types_are_inferred_from_the_cells() -> None:
    """CSV cells keep their text; each column's type is what every cell fits."""
    data = b"i,f,b,d,t,s\n1,1.5,true,2024-01-02,2024-01-02T03:04:05Z,x\n2,2,false,2024-02-03,,y\n"
    preview = await files.preview("t.csv", Store(data).reader(), 1000, 5)
    assert preview.types == ["integer", "number", "boolean", "date", "datetime", "string"]
    assert preview.rows[0][0] == "1"


async def test_gzip_inflates_no_more_than_the_cap() -> None:
    """A small .gz that inflates hugely is inflated only up to the cap (no bomb)."""
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 5_000_000)
    assert len(bomb) < 100_000
    preview = await files.preview("bomb.csv.gz", Store(bomb).reader(), 100_000, 5)
    assert preview.rows == [["1", "2"]] * 5
    assert preview.truncated


async def test_gzip_name_on_other_content_is_refused() -> None:
    """A .csv.gz that is not gzip is refused with DCAAS-6015."""
    with pytest.raises(SourceFailure) as caught:
        await files.preview("x.csv.gz", Store(csv_bytes(3)).reader(), 1000, 5)
    assert caught.value.code == "DCAAS-6015"


def test_gunzip_reports_a_whole_small_file() -> None:
    """gunzip of a whole small file says it is whole; of a cut one, that it is not."""
    data = zlib.compress(b"abc" * 1000, wbits=31)
    assert formats.gunzip(data, complete=True, limit=10_000) == (b"abc" * 1000, True)
    assert formats.gunzip(data, complete=True, limit=100)[1] is False


async def test_excel_sheet_chosen_after_hash() -> None:
    """``book.xlsx#Sheet`` previews that sheet; an unknown sheet is a 404 naming the sheets."""
    data = xlsx_bytes(3)
    preview = await files.preview("b.xlsx#orders", Store(data).reader(), 1 << 20, 5)
    assert preview.columns == ["id", "name", "when"]
    assert preview.types == ["integer", "string", "datetime"]
    assert preview.rows[0] == [0, "name 0", "2024-01-01T12:00:00"]
    with pytest.raises(SourceFailure) as caught:
        await files.preview("b.xlsx#nope", Store(data).reader(), 1 << 20, 5)
    assert caught.value.http_status == 404
    assert "orders" in caught.value.detail


async def test_not_a_workbook_is_refused() -> None:
    """An .xlsx name on other content is refused with DCAAS-6015."""
    with pytest.raises(SourceFailure) as caught:
        await files.preview("x.xlsx", Store(b"not a zip file at all").reader(), 1000, 5)
    assert caught.value.code == "DCAAS-6015"


async def test_parquet_types_come_from_its_schema() -> None:
    """Parquet column types come from the file's schema, not from the rows."""
    table = pa.table({"i": [1], "f": [1.5], "s": ["x"], "b": [True]})
    out = io.BytesIO()
    pq.write_table(table, out)
    preview = await files.preview("p.parquet", Store(out.getvalue()).reader(), 1 << 20, 5)
    assert preview.types == ["integer", "number", "string", "boolean"]


def test_selector_needs_a_json_or_excel_name() -> None:
    """A ``#`` splits off a selector only after a JSON or Excel file name."""
    assert formats.split_selector("a/b.json#x.y") == ("a/b.json", "x.y")
    assert formats.split_selector("a/b.xlsx#Sheet 1") == ("a/b.xlsx", "Sheet 1")
    assert formats.split_selector("a/#b.csv") == ("a/#b.csv", None)


async def test_a_json_scalar_is_one_value_row() -> None:
    """A JSON document that is a single value previews as one row of one value."""
    preview = await files.preview("n.json", Store(b"42").reader(), 1000, 5)
    assert (preview.columns, preview.rows, preview.types) == (["value"], [[42]], ["integer"])
