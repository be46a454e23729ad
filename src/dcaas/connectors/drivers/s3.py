"""Amazon S3 and S3-compatible stores, through boto3 in worker threads.

Every boto3 call blocks, so it runs in ``asyncio.to_thread`` with botocore's connect and
read timeouts and at most two attempts. The client's sockets go only to addresses the
outbound policy allows (:mod:`dcaas.connectors.drivers.pinning`). The credentials are
always the connection's own: a connection without keys never falls back to the server's
environment or instance role.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import threading
from typing import TYPE_CHECKING, Any, ClassVar, cast
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSHTTPConnectionPool, AWSHTTPSConnectionPool
from botocore.config import Config
from botocore.exceptions import ClientError

from dcaas.connectors.base import (
    ConnectorContext,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Step,
    Steps,
)
from dcaas.connectors.drivers import files
from dcaas.connectors.drivers.pinning import Pins, pinned_pools
from dcaas.connectors.s3 import S3Properties
from dcaas.errors import Code
from dcaas.kit.outbound import HostNotFound

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MAX_KEYS = 1000  # S3's own page limit


class S3Connector:
    """The file data source: folders and files under a prefix, previews by range reads."""

    flat: ClassVar[bool] = False

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self._props = files.parse_properties(S3Properties, properties)
        self._ctx = context
        url = self._props.endpointUrl or f"https://s3.{self._props.region}.amazonaws.com"
        parts = urlsplit(url)
        self._url = url
        self._https = parts.scheme == "https"
        self._port = parts.port or (443 if self._https else 80)
        host = parts.hostname or ""
        # Dotted bucket names do not fit a TLS wildcard certificate, and an IP address or
        # localhost has no subdomains for a bucket (boto3 decides the same): path style.
        self._path_style = (
            self._props.forcePathStyle or "." in self._props.bucketName or _no_subdomains(host)
        )
        self._host = host if self._path_style else f"{self._props.bucketName}.{host}"
        self._addresses: list[str] | None = None
        self._client: S3Client | None = None

    # -- test ------------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        await files.run_steps(
            steps,
            [
                (Step.RESOLVE, self._resolve),
                (Step.CONNECT, self._connect),
                (Step.AUTHENTICATE, self._authenticate),
                (Step.REACH_BUCKET, self._reach_bucket),
            ],
        )

    async def _resolve(self) -> None:
        try:
            self._addresses = await self._ctx.outbound.resolve(self._host, self._port)
        except HostNotFound as exc:
            if self._path_style or not self._props.endpointUrl:
                raise
            raise SourceFailure(
                Code.SOURCE_HOST_NOT_FOUND,
                FailureClass.CONFIGURATION,
                f"{exc}: the bucket is addressed as a host name (virtual-hosted style); "
                "most S3-compatible stores need forcePathStyle: true",
                http_status=400,
            ) from exc

    async def _connect(self) -> None:
        assert self._addresses is not None  # noqa: S101 - resolve ran first
        await files.probe(self._addresses, self._port, self._ctx.connect_timeout)

    async def _authenticate(self) -> None:
        """A signed request whose answer tells a bad key from a missing permission.

        ``HeadBucket`` answers a bad signature with a bare 403, like a missing permission;
        ``ListBuckets`` names the error. Access denied here means the key is valid.
        """
        client = await self._ensure_client()
        try:
            await asyncio.to_thread(client.list_buckets, MaxBuckets=1)
        except ClientError as exc:
            if _error_code(exc) != "AccessDenied":
                raise

    async def _reach_bucket(self) -> None:
        client = await self._ensure_client()
        await asyncio.to_thread(client.head_bucket, Bucket=self._props.bucketName)

    # -- browse ----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        async with files.classified():
            client = await self._ensure_client()
            args: dict[str, Any] = {
                "Bucket": self._props.bucketName,
                "MaxKeys": max(1, min(limit, _MAX_KEYS)),
            }
            if self.flat:
                args["Prefix"] = path.lstrip("/")
            else:
                args |= {"Prefix": files.as_prefix(path), "Delimiter": "/"}
            if token:
                args["ContinuationToken"] = token
            page = await asyncio.to_thread(client.list_objects_v2, **args)
            return _page(page, args["Prefix"], flat=self.flat)

    # -- preview ---------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        async with files.classified():
            client = await self._ensure_client()
            key, _ = files.file_of(path.lstrip("/"))  # without a "#selector"
            bucket = self._props.bucketName
            head = await asyncio.to_thread(client.head_object, Bucket=bucket, Key=key)

            async def read(offset: int, length: int) -> bytes:
                rng = f"bytes={offset}-{offset + length - 1}"
                return await asyncio.to_thread(_read_range, client, bucket, key, rng)

            reader = files.RangedReader(head["ContentLength"], read)
            cap = min(max_bytes, self._ctx.max_preview_bytes)
            content_type = head.get("ContentType")
            return await files.preview(path.lstrip("/"), reader, cap, max_rows, content_type)

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the client ------------------------------------------------------------------------
    async def _ensure_client(self) -> S3Client:
        if self._client is None:
            if self._addresses is None:
                await self._resolve()
            assert self._addresses is not None  # noqa: S101
            pins = Pins(self._ctx.outbound, {self._host: self._addresses})
            self._client = await asyncio.to_thread(self._make_client, pins)
        return self._client

    def _make_client(self, pins: Pins) -> S3Client:
        key, secret = self._props.accessKey, self._props.secretKey
        if not key or not secret:
            raise SourceFailure(
                Code.SOURCE_AUTH_FAILED,
                FailureClass.CREDENTIALS,
                "accessKey and secretKey are required",
                http_status=400,
            )
        timeout = self._ctx.connect_timeout
        config = Config(
            connect_timeout=timeout,
            read_timeout=max(timeout, self._ctx.total_timeout / 2),
            retries={"max_attempts": 2, "mode": "standard"},
            signature_version="s3v4",
            s3={"addressing_style": "path" if self._path_style else "virtual"},
            proxies={},
        )
        with _SESSION_LOCK:  # botocore sessions are not thread-safe; their clients are
            client = cast(
                "S3Client",
                _shared_session().create_client(
                    "s3",
                    region_name=self._props.region,
                    endpoint_url=self._url,
                    config=config,
                    aws_access_key_id=key,
                    aws_secret_access_key=secret,
                ),
            )
        # botocore has no public hook for its connection pools; the session's pool-class map
        # is shared with its proxy managers, so updating it in place covers both.
        http_session = client._endpoint.http_session  # type: ignore[attr-defined]  # noqa: SLF001
        http_session._pool_classes_by_scheme.update(pinned_pools(pins, *_aws_pools()))  # noqa: SLF001
        return client


class S3MetadataConnector(S3Connector):
    """The metadata data source: every object under a prefix, flat, with its metadata."""

    flat = True


_SESSION_LOCK = threading.Lock()


@functools.cache
def _shared_session() -> botocore.session.Session:
    """One botocore session for every connection: a new one re-reads the service models
    (tens of milliseconds); credentials are passed per client, never taken from it."""
    return botocore.session.get_session()


def _aws_pools() -> tuple[Any, Any]:
    return AWSHTTPConnectionPool, AWSHTTPSConnectionPool


def _no_subdomains(host: str) -> bool:
    """An IP address or localhost: a bucket cannot be a subdomain of it."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _read_range(client: S3Client, bucket: str, key: str, rng: str) -> bytes:
    body = client.get_object(Bucket=bucket, Key=key, Range=rng)["Body"]
    try:
        return body.read()
    finally:
        body.close()


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _page(page: Any, prefix: str, *, flat: bool) -> EntryPage:
    items = [files.folder(p["Prefix"]) for p in page.get("CommonPrefixes", [])]
    for obj in page.get("Contents", []):
        if obj["Key"] == prefix and not flat:
            continue  # the folder's own marker object
        entry = files.file(
            obj["Key"], obj.get("Size"), _iso(obj.get("LastModified")), obj.get("ETag")
        )
        if flat and obj.get("StorageClass"):
            entry.extra["storageClass"] = obj["StorageClass"]
        items.append(entry)
    token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
    return EntryPage(items=items, next_token=token)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
