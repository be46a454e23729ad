"""The S3 connector against moto's S3 server with signature checking on."""

from __future__ import annotations

import logging
import time
from typing import Any

import boto3
import pytest
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
    parquet_bytes,
)

from dcaas.connectors.base import FailureClass, SourceFailure, Steps
from dcaas.connectors.drivers.s3 import S3Connector, S3MetadataConnector
from dcaas.kit.outbound import OutboundPolicy

ALL_STEPS = ["resolve-host", "connect", "authenticate", "reach-bucket"]


def props(moto: servers.Moto, bucket: str, **over: Any) -> dict[str, Any]:
    base = {
        "accessKey": moto.access_key,
        "secretKey": moto.secret_key,
        "bucketName": bucket,
        "endpointUrl": moto.endpoint,
        "forcePathStyle": True,
        "region": "us-east-1",
    }
    return base | over


def put(moto: servers.Moto, bucket: str, objects: dict[str, bytes]) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.access_key,
        aws_secret_access_key=moto.secret_key,
    )
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


async def run_test(properties: dict[str, Any], **ctx: Any) -> Steps:
    connector = S3Connector(properties, context(**ctx))
    steps = Steps()
    try:
        await connector.test(steps)
    finally:
        await connector.aclose()
    return steps


async def test_good_connection_passes_every_step(moto, s3_bucket):
    """Valid keys and an existing bucket pass resolve-host, connect, authenticate, reach-bucket."""
    steps = await run_test(props(moto, s3_bucket))
    assert [r.name for r in steps.results] == ALL_STEPS
    assert steps.passed
    assert all(r.status == "passed" for r in steps.results)


async def test_wrong_secret_fails_at_authenticate(moto, s3_bucket):
    """A wrong secret key fails authenticate with DCAAS-6006 and skips reach-bucket."""
    steps = await run_test(props(moto, s3_bucket, secretKey="wrong-secret-0123456789"))
    result = by_name(steps)
    assert result["authenticate"] == ("failed", "DCAAS-6006")
    assert result["reach-bucket"] == ("skipped", None)
    assert steps.results[2].failure_class is FailureClass.CREDENTIALS


async def test_unknown_access_key_fails_at_authenticate(moto, s3_bucket):
    """An access key the store does not know fails authenticate with DCAAS-6006."""
    steps = await run_test(props(moto, s3_bucket, accessKey="AKIAUNKNOWNUNKNOWN00"))
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")


async def test_missing_bucket_fails_at_reach_bucket(moto, s3_bucket):
    """A bucket that does not exist fails reach-bucket with DCAAS-6008 (fix configuration)."""
    steps = await run_test(props(moto, "no-such-bucket-here"))
    assert by_name(steps)["authenticate"] == ("passed", None)
    assert by_name(steps)["reach-bucket"] == ("failed", "DCAAS-6008")
    assert steps.results[3].failure_class is FailureClass.CONFIGURATION


async def test_key_without_bucket_permission_fails_with_access_denied(moto, s3_bucket):
    """A valid key without s3 permissions on the bucket fails reach-bucket with DCAAS-6007."""
    key, secret = servers.limited_user(moto, "lister-" + s3_bucket[-6:], ["iam:GetUser"])
    steps = await run_test(props(moto, s3_bucket, accessKey=key, secretKey=secret))
    assert by_name(steps)["authenticate"] == ("passed", None)
    assert by_name(steps)["reach-bucket"] == ("failed", "DCAAS-6007")


async def test_closed_port_fails_fast_at_connect(s3_bucket):
    """An endpoint on a closed local port fails connect with DCAAS-6003 within the timeout."""
    endpoint = f"http://127.0.0.1:{servers.closed_port()}"
    started = time.monotonic()
    properties = {
        "accessKey": "AKIAX",
        "secretKey": "s",
        "bucketName": s3_bucket,
        "endpointUrl": endpoint,
        "forcePathStyle": True,
    }
    steps = await run_test(properties, connect_timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert by_name(steps)["connect"] == ("failed", "DCAAS-6003")
    assert by_name(steps)["authenticate"] == ("skipped", None)


async def test_default_policy_refuses_loopback_endpoint(moto, s3_bucket):
    """With no allowed networks, a loopback endpoint fails resolve-host with DCAAS-6002."""
    steps = await run_test(props(moto, s3_bucket), outbound=OutboundPolicy())
    assert by_name(steps)["resolve-host"] == ("failed", "DCAAS-6002")
    assert "loopback" in (steps.results[0].detail or "")
    assert [r.status for r in steps.results[1:]] == ["skipped"] * 3


async def test_browse_pages_through_folders_and_files(moto, s3_bucket):
    """25 files under a prefix come back in pages of 10, following next_token; folders apart."""
    put(moto, s3_bucket, {f"data/f{i:02}.csv": b"a\n1\n" for i in range(25)})
    put(moto, s3_bucket, {"data/sub/inner.txt": b"x", "top.txt": b"y"})
    connector = S3Connector(props(moto, s3_bucket), context())
    seen: list[tuple[str, str]] = []
    token: str | None = None
    pages = 0
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


async def test_metadata_browse_lists_objects_flat(moto, s3_bucket):
    """The metadata source lists every object under a prefix, with size and etag, no folders."""
    put(moto, s3_bucket, {"a/b/c.txt": b"hello", "a/d.txt": b"hi"})
    connector = S3MetadataConnector(props(moto, s3_bucket), context())
    page = await connector.browse("", 100, None)
    await connector.aclose()
    by_path = {e.path: e for e in page.items}
    assert set(by_path) == {"a/b/c.txt", "a/d.txt"}
    assert by_path["a/b/c.txt"].size == 5
    assert by_path["a/b/c.txt"].etag
    assert by_path["a/b/c.txt"].modified


async def test_preview_stops_at_the_byte_cap(moto, s3_bucket):
    """A 5 MB file previewed with a 64 KiB cap reads at most 64 KiB and says truncated."""
    put(moto, s3_bucket, {"big.bin": bytes(range(256)) * (5 * 4096)})
    connector = S3Connector(props(moto, s3_bucket), context())
    preview = await connector.preview("big.bin", 64 * 1024, 100)
    await connector.aclose()
    assert preview.kind == "bytes"
    assert preview.encoding == "base64"
    assert 0 < preview.bytes_read <= 64 * 1024
    assert preview.truncated


async def test_preview_is_capped_by_the_context_too(moto, s3_bucket):
    """The operator's max_preview_bytes caps a preview that asks for more."""
    put(moto, s3_bucket, {"big.txt": b"x" * 100_000})
    connector = S3Connector(props(moto, s3_bucket), context(max_preview_bytes=1000))
    preview = await connector.preview("big.txt", 50_000, 100)
    await connector.aclose()
    assert preview.bytes_read == 1000
    assert preview.content == "x" * 1000


async def test_preview_csv_rows(moto, s3_bucket):
    """A CSV file previews as its header and first rows."""
    put(moto, s3_bucket, {"t/sales.csv": csv_bytes(500)})
    connector = S3Connector(props(moto, s3_bucket), context())
    preview = await connector.preview("t/sales.csv", 64 * 1024, 3)
    await connector.aclose()
    assert preview.columns == ["id", "name", "amount"]
    assert preview.rows == [["0", "name 0", "0.0"], ["1", "name 1", "1.5"], ["2", "name 2", "3.0"]]
    assert preview.truncated


async def test_preview_parquet_rows(moto, s3_bucket):
    """A Parquet file previews as its columns and first rows, read by ranges within the cap."""
    data = parquet_bytes(200_000)
    put(moto, s3_bucket, {"t/big.parquet": data})
    connector = S3Connector(props(moto, s3_bucket), context())
    preview = await connector.preview("t/big.parquet", 128 * 1024, 4)
    await connector.aclose()
    assert len(data) > 128 * 1024
    assert preview.columns == ["id", "label"]
    assert preview.rows == [[0, "label 0"], [1, "label 1"], [2, "label 2"], [3, "label 3"]]
    assert preview.bytes_read <= 128 * 1024
    assert preview.truncated


async def test_preview_of_missing_object_is_not_found(moto, s3_bucket):
    """Previewing a key that does not exist raises DCAAS-6008."""
    connector = S3Connector(props(moto, s3_bucket), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.preview("nope.csv", 1000, 10)
    await connector.aclose()
    assert caught.value.code == "DCAAS-6008"


async def test_secrets_appear_in_no_detail_exception_or_log(moto, s3_bucket, caplog):
    """Neither key shows up in step details, raised failures or log records."""
    caplog.set_level(logging.DEBUG, logger="dcaas")
    wrong = "Wr0ngSecretValueThatMustNotLeak"
    steps = await run_test(props(moto, s3_bucket, secretKey=wrong))
    connector = S3Connector(props(moto, s3_bucket, secretKey=wrong), context())
    with pytest.raises(SourceFailure) as caught:
        await connector.browse("", 10, None)
    await connector.aclose()
    text = " ".join(str(r.detail) for r in steps.results) + str(caught.value) + caplog.text
    assert caught.value.code == "DCAAS-6006"
    for secret in (wrong, moto.access_key, moto.secret_key):
        assert secret not in text


async def test_missing_keys_fail_at_authenticate_not_with_server_credentials(moto, s3_bucket):
    """Without keys (a per-user credential not chosen) authenticate fails; no fallback."""
    steps = await run_test(
        {"bucketName": s3_bucket, "endpointUrl": moto.endpoint, "forcePathStyle": True}
    )
    assert by_name(steps)["authenticate"] == ("failed", "DCAAS-6006")
    assert "accessKey" in (steps.results[2].detail or "")


async def test_ip_endpoint_uses_path_style_without_being_told(moto, s3_bucket):
    """An endpointUrl at an IP address passes every step without forcePathStyle, as in boto3."""
    properties = props(moto, s3_bucket)
    del properties["forcePathStyle"]
    steps = await run_test(properties)
    assert steps.passed, [(r.name, r.status, r.detail) for r in steps.results]


def test_localhost_endpoint_addresses_the_bucket_in_the_path():
    """endpointUrl http://localhost:9000 connects to localhost, not to bucket.localhost."""
    properties = {"accessKey": "a", "secretKey": "s", "bucketName": "data"}
    connector = S3Connector(properties | {"endpointUrl": "http://localhost:9000"}, context())
    assert connector._host == "localhost"


async def test_unresolvable_virtual_host_name_hints_at_force_path_style():
    """A store whose bucket subdomain does not resolve fails resolve-host naming forcePathStyle."""
    properties = {
        "accessKey": "a",
        "secretKey": "s",
        "bucketName": "data",
        "endpointUrl": "http://store.example.invalid:9000",
    }
    steps = await run_test(properties)
    assert by_name(steps)["resolve-host"] == ("failed", "DCAAS-6001")
    detail = steps.results[0].detail or ""
    assert "data.store.example.invalid" in detail
    assert "forcePathStyle: true" in detail


@pytest.mark.parametrize("cls", [S3Connector, S3MetadataConnector])
async def test_preview_of_every_format_and_of_files_over_the_cap(moto, s3_bucket, cls):
    """Each format written into moto previews as typed rows; files over the cap within it."""
    put(moto, s3_bucket, format_files() | big_files())
    connector = cls(props(moto, s3_bucket), context())
    try:
        for name in [*format_files(), *SELECTED]:
            assert_format_preview(await connector.preview(name, 1 << 20, 10), name)
        for name in big_files():
            assert_big_preview(await connector.preview(name, BIG_CAP, 10), name)
    finally:
        await connector.aclose()
