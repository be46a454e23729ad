"""Azure Blob Storage and ADLS Gen2 through azure-storage-blob's async client.

The SDK speaks HTTP through aiohttp; dcaas gives it a session that connects only where the
outbound policy allows:

* its resolver answers a host with the addresses ``resolve-host`` checked (or, for another
  host such as the login host, a fresh resolution checked the same way), so a name that
  resolves differently the second time cannot steer a connection inside;
* its transport checks every request's host first, which covers addresses written as IP
  literals (aiohttp does not resolve those) and every redirect hop;
* proxies from the environment are ignored, and TLS verifies the host name against the
  system's roots plus ``rootCertificates``.

The service principal's token comes from azure-identity through the same kind of transport.
Steps: resolve-host, connect, authenticate (the key, SAS or token is accepted), and
reach-container (the container exists; without one, the account's containers can be listed).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import AioHttpTransport
from azure.storage.blob.aio import BlobServiceClient

from dcaas.connectors.azure import AdlsProperties, AzureBlobProperties, AzureProperties
from dcaas.connectors.base import (
    ConnectorContext,
    Entry,
    EntryPage,
    FailureClass,
    Preview,
    SourceFailure,
    Steps,
)
from dcaas.connectors.drivers import files
from dcaas.connectors.drivers.net import pem_text
from dcaas.errors import Code

if TYPE_CHECKING:
    from azure.core.pipeline.transport import AsyncHttpResponse, HttpRequest
    from azure.identity.aio import ClientSecretCredential
    from azure.storage.blob.aio import ContainerClient

    from dcaas.kit.outbound import OutboundPolicy

REACH_CONTAINER = "reach-container"
_SCOPE = "https://storage.azure.com/.default"
_LOGIN = "https://login.microsoftonline.com"
_MAX_RESULTS = 5000  # the service's own page limit
# A 403 with one of these codes comes from a valid signature without the permission asked.
# (Not AuthorizationFailure: Azure sends it for network rules, Azurite for a bad signature.)
_AUTHORIZATION_CODES = frozenset(
    {
        "AuthorizationPermissionMismatch",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationServiceMismatch",
        "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch",
    }
)


class PolicyResolver(AbstractResolver):
    """aiohttp's resolver: pinned addresses for known hosts, checked ones for any other."""

    def __init__(self, policy: OutboundPolicy, pinned: dict[str, list[str]]) -> None:
        self.policy = policy
        self.pinned = pinned

    async def resolve(
        self,
        host: str,
        port: int = 0,
        family: socket.AddressFamily = socket.AF_INET,  # noqa: ARG002 - the policy decides
    ) -> list[ResolveResult]:
        name = host.rstrip(".").lower()
        addresses = self.pinned.get(name) or await self.policy.resolve(name, port)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


class PolicyTransport(AioHttpTransport):  # type: ignore[misc]  # azure-core: untyped here
    """The SDK's aiohttp transport, refusing a request to an address the policy refuses."""

    def __init__(self, policy: OutboundPolicy, session: aiohttp.ClientSession) -> None:
        super().__init__(session=session, session_owner=False)
        self.policy = policy

    async def send(self, request: HttpRequest, **kwargs: Any) -> AsyncHttpResponse:
        parts = urlsplit(request.url)
        host = (parts.hostname or "").strip("[]")
        if _is_address(host):  # names go through the resolver; literals skip it
            await self.policy.resolve(host, parts.port or 443)
        response: AsyncHttpResponse = await super().send(request, **kwargs)
        return response


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def policy_session(
    policy: OutboundPolicy, pinned: dict[str, list[str]], context: ssl.SSLContext
) -> aiohttp.ClientSession:
    """An aiohttp session whose connections go only to policy-checked addresses."""
    connector = aiohttp.TCPConnector(resolver=PolicyResolver(policy, pinned), ssl=context)
    return aiohttp.ClientSession(connector=connector, trust_env=False)


class AzureBlobConnector:
    """Containers, folders (prefixes) and blobs; previews by ranged reads."""

    flat: ClassVar[bool] = False
    properties_model: ClassVar[type[AzureProperties]] = AzureBlobProperties

    def __init__(self, properties: dict[str, Any], context: ConnectorContext) -> None:
        self._props = files.parse_properties(self.properties_model, properties)
        self._ctx = context
        account = self._props.accountName
        self._url = (self._props.endpointUrl or f"https://{account}.blob.core.windows.net").rstrip(
            "/"
        )
        parts = urlsplit(self._url)
        self._host = (parts.hostname or "").lower()
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._pinned: dict[str, list[str]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._credential: ClientSecretCredential | None = None
        self._service: BlobServiceClient | None = None

    # -- test ------------------------------------------------------------------------------
    async def test(self, steps: Steps) -> None:
        await files.run_steps(
            steps,
            [
                ("resolve-host", self._resolve),
                ("connect", self._connect),
                ("authenticate", self._authenticate),
                (REACH_CONTAINER, self._reach_container),
            ],
        )

    async def _resolve(self) -> None:
        self._pinned[self._host] = await self._ctx.outbound.resolve(self._host, self._port)

    async def _connect(self) -> None:
        await files.probe(self._pinned[self._host], self._port, self._ctx.connect_timeout)

    async def _authenticate(self) -> None:
        """The credential is accepted: a token for a service principal, then a signed call
        whose answer tells a bad signature (401/403 AuthenticationFailed) from a missing
        permission (403 Authorization*), which means the credential itself is valid."""
        service = await self._ensure_client()
        if self._credential is not None:
            await self._credential.get_token(_SCOPE)
        container = self._props.container()
        try:
            if container:
                await service.get_container_client(container).get_account_information()
            else:
                await service.get_account_information()
        except HttpResponseError as exc:
            code = getattr(exc, "error_code", None)  # set by the storage SDK
            if exc.status_code != 403 or code not in _AUTHORIZATION_CODES:  # noqa: PLR2004
                raise

    async def _reach_container(self) -> None:
        service = await self._ensure_client()
        container = self._props.container()
        if container:  # listing is what browse needs, and what a container SAS allows
            blobs = service.get_container_client(container).list_blobs(results_per_page=1)
            await anext(blobs.by_page(), None)
        else:
            await anext(service.list_containers(results_per_page=1).by_page(), None)

    # -- browse ----------------------------------------------------------------------------
    async def browse(self, path: str, limit: int, token: str | None) -> EntryPage:
        async with files.classified():
            service = await self._ensure_client()
            limit = max(1, min(limit, _MAX_RESULTS))
            container, prefix, base = self._split(path)
            if container is None:
                return await _containers(service, limit, token)
            client = service.get_container_client(container)
            if self.flat:
                return await self._flat(client, prefix, base, limit, token)
            return await self._folders(client, files.as_prefix(prefix), base, limit, token)

    def _split(self, path: str) -> tuple[str | None, str, str]:
        """(container, path inside it, what entry paths start with)."""
        path = path.lstrip("/")
        fixed = self._props.container()
        if fixed:
            return fixed, path, ""
        container, _, rest = path.partition("/")
        return (container or None), rest, f"{container}/"

    async def _folders(
        self, client: ContainerClient, prefix: str, base: str, limit: int, token: str | None
    ) -> EntryPage:
        walk = client.walk_blobs(
            name_starts_with=prefix or None,
            delimiter="/",
            include=["metadata"],
            results_per_page=limit,
        )
        pages = walk.by_page(continuation_token=token)
        items: dict[str, Entry] = {}
        async for item in await anext(pages, _empty()):
            if not hasattr(item, "size"):  # a BlobPrefix: a folder
                entry = files.folder(base + item.name)
            elif item.name != prefix:  # not the folder's own marker
                entry = self._entry(item, base)
            else:
                continue
            items.setdefault(entry.path, entry)  # an ADLS directory: its marker and its prefix
        token = pages.continuation_token or None  # type: ignore[attr-defined]
        return EntryPage(list(items.values()), token)

    async def _flat(
        self, client: ContainerClient, prefix: str, base: str, limit: int, token: str | None
    ) -> EntryPage:
        listing = client.list_blobs(
            name_starts_with=prefix or None, include=["metadata"], results_per_page=limit
        )
        pages = listing.by_page(continuation_token=token)
        items = [
            self._entry(blob, base)
            async for blob in await anext(pages, _empty())
            if not _is_directory(blob)
        ]
        return EntryPage(items, pages.continuation_token or None)  # type: ignore[attr-defined]

    def _entry(self, blob: Any, base: str) -> Entry:
        modified = blob.last_modified.isoformat() if blob.last_modified else None
        if _is_directory(blob):  # an ADLS directory seen through the Blob endpoint
            return files.folder(base + blob.name.rstrip("/") + "/")
        entry = files.file(base + blob.name, blob.size, modified, blob.etag)
        if self.flat:
            settings = blob.content_settings
            facts = {
                "contentType": settings.content_type if settings else None,
                "accessTier": blob.blob_tier,
            }
            entry.extra |= {k: v for k, v in facts.items() if v}
        return entry

    # -- preview ---------------------------------------------------------------------------
    async def preview(self, path: str, max_bytes: int, max_rows: int) -> Preview:
        async with files.classified():
            service = await self._ensure_client()
            container, name, _ = self._split(path)
            if container is None or not name:
                raise SourceFailure(
                    Code.SOURCE_NOT_FOUND,
                    FailureClass.CONFIGURATION,
                    "the path names no blob; give container/blob, or a blob of the container",
                    http_status=404,
                )
            key, _ = files.file_of(name)  # without a "#selector"
            blob = service.get_blob_client(container, key)
            props = await blob.get_blob_properties()

            async def read(offset: int, length: int) -> bytes:
                stream = await blob.download_blob(offset=offset, length=length, max_concurrency=1)
                data: bytes = await stream.readall()
                return data

            reader = files.RangedReader(props.size or 0, read)
            cap = min(max_bytes, self._ctx.max_preview_bytes)
            content_type = props.content_settings.content_type if props.content_settings else None
            return await files.preview(
                path, reader, cap, max_rows, content_type, wait=self._ctx.total_timeout
            )

    async def aclose(self) -> None:
        for closing in (self._service, self._credential, self._session):
            if closing is not None:
                await closing.close()
        self._service = self._credential = self._session = None

    # -- the client ------------------------------------------------------------------------
    async def _ensure_client(self) -> BlobServiceClient:
        if self._service is None:
            if self._host not in self._pinned:
                await self._resolve()
            self._session = policy_session(self._ctx.outbound, self._pinned, self._ssl())
            outbound = self._ctx.outbound
            self._service = BlobServiceClient(
                self._url,
                credential=self._make_credential(),
                transport=PolicyTransport(outbound, self._session),
                retry_total=1,
                connection_timeout=self._ctx.connect_timeout,
                read_timeout=max(self._ctx.connect_timeout, self._ctx.total_timeout / 2),
            )
        return self._service

    def _make_credential(self) -> Any:
        p = self._props
        if p.authType == "sasToken" and p.sasToken:
            return AzureSasCredential(p.sasToken.strip().lstrip("?"))
        if p.authType == "accountKey" and p.accountKey:
            return AzureNamedKeyCredential(p.accountName, p.accountKey)
        if p.authType == "servicePrincipal" and not self._url.startswith("https://"):
            raise SourceFailure(
                Code.SOURCE_PROTOCOL_ERROR,
                FailureClass.CONFIGURATION,
                "a service principal's token is sent only over https: use an https endpointUrl",
                http_status=400,
            )
        if p.authType == "servicePrincipal" and p.tenantId and p.clientId and p.clientSecret:
            from azure.identity.aio import ClientSecretCredential  # noqa: PLC0415 - only for SPs

            assert self._session is not None  # noqa: S101 - made just before
            self._credential = ClientSecretCredential(
                p.tenantId,
                p.clientId,
                p.clientSecret,
                authority=p.loginUrl or _LOGIN,
                transport=PolicyTransport(self._ctx.outbound, self._session),
                retry_total=0,
            )
            return self._credential
        needs = {"accountKey": "accountKey", "sasToken": "sasToken"}.get(
            p.authType, "tenantId, clientId and clientSecret"
        )
        raise SourceFailure(
            Code.SOURCE_AUTH_FAILED,
            FailureClass.CREDENTIALS,
            f"authType {p.authType} needs {needs}",
            http_status=400,
        )

    def _ssl(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        roots = [pem_text(f.value) for f in self._props.rootCertificates or []]
        if roots:
            context.load_verify_locations(cadata="\n".join(roots))
        return context


class AzureBlobMetadataConnector(AzureBlobConnector):
    """Every blob under a prefix, flat, with its content type and access tier."""

    flat = True


class AdlsConnector(AzureBlobConnector):
    """ADLS Gen2 through its Blob endpoint: directories are folders, marker blobs hidden."""

    properties_model = AdlsProperties


class AdlsMetadataConnector(AdlsConnector):
    flat = True


def _is_directory(blob: Any) -> bool:
    """An ADLS Gen2 directory, as the Blob endpoint lists it: an empty marker blob."""
    metadata = getattr(blob, "metadata", None) or {}
    return str(metadata.get("hdi_isfolder", "")).lower() == "true"


async def _containers(service: BlobServiceClient, limit: int, token: str | None) -> EntryPage:
    pages = service.list_containers(results_per_page=limit).by_page(continuation_token=token)
    items: list[Entry] = []
    async for container in await anext(pages, _empty()):
        modified = container.last_modified.isoformat() if container.last_modified else None
        items.append(
            Entry(
                name=container.name,
                path=f"{container.name}/",
                type="bucket",
                modified=modified,
                etag=(container.etag or "").strip('"') or None,
            )
        )
    return EntryPage(items, pages.continuation_token or None)  # type: ignore[attr-defined]


async def _empty() -> Any:
    """An empty async iterator, for a listing with no first page."""
    for _ in ():
        yield
