"""Google Cloud Storage through google-cloud-storage, with a service-account key.

The key's own ``token_uri`` receives a signed JWT assertion (``authenticate``); every socket,
to the token endpoint and to the storage endpoint, goes through the outbound policy
(:mod:`dcaas.connectors.drivers.pinning`). ``endpointUrl`` points the client at a
GCS-compatible store or an emulator for this connection only, not through the process-wide
``STORAGE_EMULATOR_HOST``. Blocking calls run in worker threads, each with a timeout and no
library retries (the caller's total timeout bounds a call, not two minutes of back-off).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import requests
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from google.cloud import storage
from google.oauth2 import service_account
from requests.adapters import HTTPAdapter

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
from dcaas.connectors.gcs import GcsProperties
from dcaas.errors import Code

if TYPE_CHECKING:
    from dcaas.connectors.base import Entry

_GOOGLE = "https://storage.googleapis.com"
_SCOPES = ["https://www.googleapis.com/auth/devstorage.read_only"]
_KEY_FIELDS = ("type", "client_email", "private_key", "token_uri")


class _PinnedAdapter(HTTPAdapter):
    """A requests adapter whose pools connect through :class:`Pins`."""

    def __init__(self, pins: Pins) -> None:
        self._pins = pins
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = pinned_pools(self._pins)


def _session(session: requests.Session, pins: Pins) -> requests.Session:
    session.trust_env = False  # no proxies or .netrc from the server's environment
    adapter = _PinnedAdapter(pins)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class GcsConnector:
    """The file data source: folders and files under a prefix, previews by range reads."""

    flat: ClassVar[bool] = False

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self._props = files.parse_properties(GcsProperties, properties)
        self._ctx = context
        self._endpoint = (self._props.endpointUrl or _GOOGLE).rstrip("/")
        self._pins = Pins(context.outbound, {})
        self._credentials: service_account.Credentials | None = None
        self._client: storage.Client | None = None
        timeout = context.connect_timeout
        self._timeout = (timeout, max(timeout, context.total_timeout / 2))

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
        host, port = _host_port(self._endpoint)
        self._pins.pinned[host] = await self._ctx.outbound.resolve(host, port)

    async def _connect(self) -> None:
        host, port = _host_port(self._endpoint)
        await files.probe(self._pins.pinned[host], port, self._ctx.connect_timeout)

    async def _authenticate(self) -> None:
        """The key's JWT assertion is exchanged for an access token at its ``token_uri``."""
        credentials = self._load_credentials()
        host, port = _host_port(credentials._token_uri)  # noqa: SLF001 - the key's own field
        self._pins.pinned[host] = await self._ctx.outbound.resolve(host, port)
        request = AuthRequest(session=_session(requests.Session(), self._pins))
        await asyncio.to_thread(credentials.refresh, request)
        self._credentials = credentials

    async def _reach_bucket(self) -> None:
        client = await self._ensure_client()
        await asyncio.to_thread(self._first_page, client, "", None, None, 1)

    # -- browse ----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        async with files.classified():
            client = await self._ensure_client()
            prefix = path.lstrip("/") if self.flat else files.as_prefix(path)
            delimiter = None if self.flat else "/"
            server_token, skip = _decode_token(token)
            limit = max(1, min(limit, 1000))
            entries, next_server = await asyncio.to_thread(
                self._first_page, client, prefix, delimiter, server_token, limit
            )
            return _page(entries, skip, limit, server_token, next_server)

    def _first_page(
        self,
        client: storage.Client,
        prefix: str,
        delimiter: str | None,
        token: str | None,
        limit: int,
    ) -> tuple[list[Entry], str | None]:
        blobs = client.list_blobs(
            self._props.bucketName,
            prefix=prefix or None,
            delimiter=delimiter,
            page_size=limit,
            page_token=token,
            timeout=self._timeout,
            retry=None,
        )
        page = next(blobs.pages, None)
        if page is None:
            return [], None
        entries = [files.folder(p) for p in sorted(page.prefixes)]
        for blob in page:
            if blob.name == prefix and not self.flat:
                continue  # the folder's own placeholder object
            entries.append(_entry(blob, flat=self.flat))
        entries.sort(key=lambda e: e.path)
        return entries, blobs.next_page_token

    # -- preview ---------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        async with files.classified():
            client = await self._ensure_client()
            key, _ = files.file_of(path.lstrip("/"))  # without a "#selector"
            bucket = client.bucket(self._props.bucketName)
            blob = await asyncio.to_thread(bucket.get_blob, key, timeout=self._timeout, retry=None)
            if blob is None:
                raise SourceFailure(
                    Code.SOURCE_NOT_FOUND,
                    FailureClass.CONFIGURATION,
                    "the object does not exist; check the path",
                    http_status=404,
                )

            async def read(offset: int, length: int) -> bytes:
                data: bytes = await asyncio.to_thread(
                    blob.download_as_bytes,
                    start=offset,
                    end=offset + length - 1,
                    raw_download=True,
                    checksum=None,
                    timeout=self._timeout,
                    retry=None,
                )
                return data

            reader = files.RangedReader(blob.size or 0, read)
            cap = min(max_bytes, self._ctx.max_preview_bytes)
            return await files.preview(path.lstrip("/"), reader, cap, max_rows, blob.content_type)

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the client ------------------------------------------------------------------------
    async def _ensure_client(self) -> storage.Client:
        if self._client is None:
            host, _ = _host_port(self._endpoint)
            if host not in self._pins.pinned:
                await self._resolve()
            if self._credentials is None:
                await self._authenticate()
            assert self._credentials is not None  # noqa: S101 - authenticate set it
            token_request = AuthRequest(session=_session(requests.Session(), self._pins))
            authorized = AuthorizedSession(  # type: ignore[no-untyped-call]
                self._credentials, auth_request=token_request
            )
            http = _session(authorized, self._pins)
            self._client = storage.Client(
                project=self._credentials.project_id,
                credentials=self._credentials,
                _http=http,
                client_options={"api_endpoint": self._endpoint},
            )
        return self._client

    def _load_credentials(self) -> service_account.Credentials:
        info = _key_info(self._props.serviceAccountKeyFile)
        credentials: service_account.Credentials = (
            service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=_SCOPES
            )
        )
        return credentials


class GcsMetadataConnector(GcsConnector):
    """The metadata data source: every object under a prefix, flat, with its metadata."""

    flat = True


def _bad_key(detail: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_AUTH_FAILED,
        FailureClass.CREDENTIALS,
        f"{detail}; upload the service account's JSON key file",
        http_status=400,
    )


def _key_info(items: list[Any] | None) -> dict[str, Any]:
    """The key file's JSON (given raw or in base64); checked before google-auth sees it."""
    if not items:
        raise _bad_key("no service-account key file was given")
    text = items[0].value.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _bad_key("the key file is neither JSON nor base64-encoded JSON") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError:
        raise _bad_key("the key file is not valid JSON") from None
    if not isinstance(info, dict) or any(not info.get(f) for f in _KEY_FIELDS):
        raise _bad_key("the key file lacks " + ", ".join(_KEY_FIELDS))
    if info["type"] != "service_account":
        raise _bad_key("the key file is not a service-account key")
    return info


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _entry(blob: storage.Blob, *, flat: bool) -> Entry:
    updated = blob.updated.isoformat() if blob.updated else None
    entry = files.file(blob.name, blob.size, updated, blob.etag)
    if flat:
        entry.extra |= {
            k: v
            for k, v in (("contentType", blob.content_type), ("storageClass", blob.storage_class))
            if v
        }
    return entry


# Page tokens: the server's token plus how many entries of that server page were already
# returned, for servers (and emulators) that send more than the page size asked for.
def _decode_token(token: str | None) -> tuple[str | None, int]:
    if not token:
        return None, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return data.get("t"), int(data.get("s", 0))
    except (ValueError, TypeError, AttributeError):
        raise SourceFailure(
            Code.SOURCE_PROTOCOL_ERROR,
            FailureClass.CONFIGURATION,
            "the page token is not one this connection gave",
            http_status=400,
        ) from None


def _encode_token(server: str | None, skip: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"t": server, "s": skip}).encode()).decode()


def _page(
    entries: list[Entry], skip: int, limit: int, server: str | None, next_server: str | None
) -> EntryPage:
    items = entries[skip : skip + limit]
    if skip + limit < len(entries):
        return EntryPage(items, _encode_token(server, skip + limit))
    return EntryPage(items, _encode_token(next_server, 0) if next_server else None)
