"""The GCS connector against the GCS emulator, with a real service-account token exchange."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.connectors.drivers import servers
from tests.connectors.drivers.conftest import (
    BIG_CAP,
    SELECTED,
    assert_big_preview,
    assert_format_preview,
    big_files,
    by_name,
    context,
    csv_bytes,
    format_files,
    gcs_admin,
    parquet_bytes,
)

from dcaas.connectors.base import FailureClass, SourceFailure, Steps
from dcaas.connectors.drivers.gcs import GcsConnector, GcsMetadataConnector
from dcaas.kit.outbound import OutboundPolicy

ALL_STEPS = ["resolve-host", "connect", "authenticate", "reach-bucket"]


def props(
    gcs: servers.Gcs, bucket: str, key: dict[str, str] | None = None, **over: Any
) -> dict[str, Any]:
    item = {"name": "key.json", "value": json.dumps(key or gcs.key_file())}
    return {
        "serviceAccountKeyFile": [item],
        "bucketName": bucket,
        "endpointUrl": gcs.endpoint,
    } | over


def put(gcs: servers.Gcs, bucket: str, objects: dict[str, bytes]) -> None:
    target = gcs_admin(gcs).bucket(bucket)
    for name, body in objects.items():
        target.blob(name).upload_from_string(body)


async def run_test(properties: dict[str, Any], **ctx: Any) -> Steps:
    connector = GcsConnector(properties, context(**ctx))
    steps = Steps()
    try:
        await connector.test(steps)
    finally:
        await connector.aclose()
    return steps


async def test_good_key_passes_every_step(gcs, gcs_bucket):
    """A valid key and an existing bucket pass every step; the token endpoint saw the key."""
    before = len(gcs.issued)
    steps = await run_test(props(gcs, gcs_bucket))
    assert [(r.name, r.status) for r in steps.results] == [(s, "passed") for s in ALL_STEPS]
    assert gcs.issued[before:] == ["reader@dcaas-test.iam.gserviceaccount.com"]


async def test_base64_key_file_is_accepted(gcs, gcs_bucket):
    """A key file given in base64, as file uploads arrive, passes too."""
    encoded = base64.b64encode(json.dumps(gcs.key_file()).encode()).decode()
    properties = props(gcs, gcs_bucket, serviceAccountKeyFile=[{"name": "k", "value": encoded}])
    steps = await run_test(properties)
    assert steps.passed


async def test_wrong_private_key_fails_at_authenticate(gcs, gcs_bucket):
    """Another private key for the same client email fails authenticate with DCAAS-6006."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    steps = await run_test(props(gcs, gcs_bucket, gcs.key_file(other)))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert steps.results[2].failure_class is FailureClass.CREDENTIALS
    assert by_name(steps)["reach-bucket"] == ("skipped", None)


async def test_malformed_key_file_fails_at_authenticate(gcs, gcs_bucket):
    """A key file that is not a service-account key fails authenticate with DCAAS-6006."""
    properties = props(gcs, gcs_bucket, serviceAccountKeyFile=[{"name": "k", "value": "{}"}])
    steps = await run_test(properties)
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert "key file" in (steps.results[2].detail or "")


async def test_missing_bucket_fails_at_reach_bucket(gcs, gcs_bucket):
    """A bucket that does not exist fails reach-bucket with DCAAS-6008."""
    steps = await run_test(props(gcs, "no-such-bucket-here"))
    assert by_name(steps)["authenticate"] == ("passed", None)
    assert by_name(steps)["reach-bucket"] == ("failed", "DCAAS-6008")


async def test_closed_port_fails_fast_at_connect(gcs, gcs_bucket):
    """An endpoint on a closed local port fails connect with DCAAS-6003 within the timeout."""
    endpoint = f"http://127.0.0.1:{servers.closed_port()}"
    started = time.monotonic()
    steps = await run_test(props(gcs, gcs_bucket, endpointUrl=endpoint), connect_timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6003")


async def test_default_policy_refuses_loopback_endpoint(gcs, gcs_bucket):
    """With no allowed networks, a loopback endpoint fails resolve-host with DCAAS-6002."""
    steps = await run_test(props(gcs, gcs_bucket), outbound=OutboundPolicy())
    assert by_name(steps)["resolve-host"] == ("failed", "DCAAS-6002")


async def test_token_uri_is_checked_by_the_outbound_policy(gcs, gcs_bucket):
    """A token_uri the policy refuses fails authenticate with DCAAS-6002; no token is issued."""
    before = len(gcs.issued)
    key = gcs.key_file() | {"token_uri": gcs.token_uri.replace("127.0.0.1", "127.0.0.2")}
    steps = await run_test(props(gcs, gcs_bucket, key))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6002")
    assert len(gcs.issued) == before


async def test_browse_pages_through_folders_and_files(gcs, gcs_bucket):
    """25 files under a prefix come back in pages of 10, following next_token; folders apart."""
    put(gcs, gcs_bucket, {f"data/f{i:02}.csv": b"a\n1\n" for i in range(25)})
    put(gcs, gcs_bucket, {"data/sub/inner.txt": b"x", "top.txt": b"y"})
    connector = GcsConnector(props(gcs, gcs_bucket), context())
    seen: list[tuple[str, str]] = []
    token, pages = None, 0
    while True:
        page = await connector.browse("data", 10, token)
        pages += 1
        assert len(page.items) <= 10
        seen += [(e.type, e.path) for e in page.items]
        token = page.next_token
        if token is None:
            break
    await connector.aclose()
    assert pages == 3
    assert ("folder", "data/sub/") in seen
    assert sorted(p for t, p in seen if t == "file") == [f"data/f{i:02}.csv" for i in range(25)]


async def test_metadata_browse_lists_objects_flat(gcs, gcs_bucket):
    """The metadata source lists every object under a prefix with size and content type."""
    put(gcs, gcs_bucket, {"a/b/c.txt": b"hello", "a/d.txt": b"hi"})
    connector = GcsMetadataConnector(props(gcs, gcs_bucket), context())
    page = await connector.browse("", 100, None)
    await connector.aclose()
    by_path = {e.path: e for e in page.items}
    assert set(by_path) == {"a/b/c.txt", "a/d.txt"}
    assert by_path["a/b/c.txt"].size == 5
    assert by_path["a/b/c.txt"].extra.get("contentType")


async def test_preview_stops_at_the_byte_cap(gcs, gcs_bucket):
    """A 5 MB file previewed with a 64 KiB cap reads at most 64 KiB and says truncated."""
    put(gcs, gcs_bucket, {"big.bin": bytes(range(256)) * (5 * 4096)})
    connector = GcsConnector(props(gcs, gcs_bucket), context())
    preview = await connector.preview("big.bin", 64 * 1024, 10)
    await connector.aclose()
    assert 0 < preview.bytes_read <= 64 * 1024
    assert preview.truncated
    assert preview.encoding == "base64"


async def test_preview_csv_and_parquet(gcs, gcs_bucket):
    """CSV and Parquet objects preview as columns and first rows within the cap."""
    put(gcs, gcs_bucket, {"t.csv": csv_bytes(100), "t.parquet": parquet_bytes(50_000)})
    connector = GcsConnector(props(gcs, gcs_bucket), context())
    csv_preview = await connector.preview("t.csv", 64 * 1024, 2)
    parquet = await connector.preview("t.parquet", 64 * 1024, 2)
    await connector.aclose()
    assert csv_preview.rows == [["0", "name 0", "0.0"], ["1", "name 1", "1.5"]]
    assert parquet.columns == ["id", "label"]
    assert parquet.rows == [[0, "label 0"], [1, "label 1"]]
    assert parquet.bytes_read <= 64 * 1024


async def test_preview_of_missing_object_is_not_found(gcs, gcs_bucket):
    """Previewing an object that does not exist raises DCAAS-6008."""
    connector = GcsConnector(props(gcs, gcs_bucket), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.preview("nope.csv", 1000, 10)
    await connector.aclose()
    assert caught.value.code == "DCAAS-6008"


async def test_key_appears_in_no_detail_exception_or_log(gcs, gcs_bucket, caplog):
    """The private key shows up in no step detail, raised failure or log record."""
    caplog.set_level(logging.DEBUG)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = gcs.key_file(other)
    steps = await run_test(props(gcs, gcs_bucket, key))
    connector = GcsConnector(props(gcs, gcs_bucket, key), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.browse("", 10, None)
    await connector.aclose()
    text = " ".join(str(r.detail) for r in steps.results) + str(caught.value) + caplog.text
    assert caught.value.code == "DCAAS-6006"
    body = key["private_key"].splitlines()[1:-1]
    assert all(line not in text for line in body)


async def test_preview_of_every_format_and_of_files_over_the_cap(gcs, gcs_bucket):
    """Each format written into the GCS emulator previews as typed rows; big ones within the cap."""
    put(gcs, gcs_bucket, format_files() | big_files())
    connector = GcsConnector(props(gcs, gcs_bucket), context())
    try:
        for name in [*format_files(), *SELECTED]:
            assert_format_preview(await connector.preview(name, 1 << 20, 10), name)
        for name in big_files():
            assert_big_preview(await connector.preview(name, BIG_CAP, 10), name)
    finally:
        await connector.aclose()
