# Generated from src/dcaas_client/_async/client.py by scripts/unasync_sdk.py: do not edit.
# Change the async source and run `make sdk`.
"""The client: thin methods over the shared request builders of :mod:`dcaas_client._calls`.

Written once, asynchronous; ``scripts/unasync_sdk.py`` generates the synchronous twin in
``dcaas_client/_sync``, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, Unpack

import httpx

from dcaas_client._calls import catalog as k
from dcaas_client._calls import connections as c
from dcaas_client._calls import engine as e
from dcaas_client._calls import webhooks as wh
from dcaas_client._retry import RetryPolicy
from dcaas_client._settings import DEFAULT_TIMEOUT, resolve
from dcaas_client._sync.transport import SyncTransport
from dcaas_client.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiSpec,
    Assignment,
    AssignmentCreate,
    AuthUrl,
    BulkItemRef,
    BulkResult,
    BulkUpdateItem,
    ConnectionCreated,
    ConnectionGet,
    Connections,
    ConnectionUpdate,
    Credential,
    Credentials,
    CredentialUpdate,
    DataSource,
    DataSourceSettings,
    DuplicateRequest,
    EndpointCreate,
    EndpointRef,
    EndpointRelease,
    EndpointRequest,
    Entries,
    Entry,
    Gateway,
    GatewayCreate,
    LegacyConnection,
    LegacyConnectionCreated,
    OrphanCredential,
    OrphanFilter,
    PatchOp,
    Preview,
    PropertiesConnectionCreate,
    ReleaseRecord,
    ReleaseRecords,
    SourceGateways,
    Space,
    SpaceCreate,
    SpaceUpdate,
    TestResult,
    Webhook,
    WebhookCreate,
)

if TYPE_CHECKING:
    import builtins
    from collections.abc import Iterator, Sequence
    from types import TracebackType

    from dcaas_client._calls.connections import AnyCreate, ConnectionQuery
    from dcaas_client.models.webhooks import Delivery, EventType


class ConnectionsAPI:
    """``/api/v1/data-connections``: CRUD, bulk actions, duplicate, test, browse, preview."""

    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(self, **q: Unpack[ConnectionQuery]) -> Connections:
        """One page; use :meth:`iter` to walk them all."""
        return self._t.send(c.list_(q))

    def iter(self, **q: Unpack[ConnectionQuery]) -> Iterator[ConnectionGet]:
        """Every matching connection, following ``links.next`` page after page."""
        for page in self._t.pages(c.list_(q)):
            for item in page.data:
                yield item

    def get(
        self,
        qid: str,
        *,
        parse_connection: bool = False,
        by_name: bool = False,
        space_id: str | None = None,
    ) -> ConnectionGet:
        return self._t.send(
            c.get(qid, parse_connection=parse_connection, by_name=by_name, space_id=space_id)
        )

    def create(
        self, body: AnyCreate, *, idempotency_key: str | None = None
    ) -> ConnectionCreated | AuthUrl:
        return self._t.send(c.create(body, idempotency_key))

    def create_auth_url(
        self, body: PropertiesConnectionCreate, *, idempotency_key: str | None = None
    ) -> AuthUrl:
        """Start creating an OAuth connection: the URL to consent at (``authUrlOnly``)."""
        return self._t.send(c.create_auth_url(body, idempotency_key))

    def authorize(self, qid: str, *, by_name: bool = False) -> AuthUrl:
        """A new authorization URL for a saved OAuth connection (the callback keeps its id)."""
        return self._t.send(c.authorize(qid, by_name))

    def reauthenticate(self, qid: str, code: str, *, by_name: bool = False) -> None:
        """Restore an OAuth connection's tokens from an authorization code (``qlik-auth-code``)."""
        self._t.send(c.reauthenticate(qid, code, by_name))

    def update(self, qid: str, body: ConnectionUpdate, *, if_match: str | None = None) -> None:
        self._t.send(c.put(qid, body, if_match))

    def patch(
        self,
        qid: str,
        ops: Sequence[PatchOp],
        *,
        if_match: str | None = None,
        auth_code: str | None = None,
    ) -> None:
        self._t.send(c.patch(qid, ops, if_match, auth_code))

    def delete(self, qid: str, *, if_match: str | None = None) -> None:
        self._t.send(c.delete(qid, if_match))

    def delete_many(self, items: Sequence[BulkItemRef | str]) -> BulkResult:
        return self._t.send(c.bulk_delete(items))

    def update_many(self, items: Sequence[BulkUpdateItem]) -> BulkResult:
        return self._t.send(c.bulk_update(items))

    def duplicate(
        self, body: DuplicateRequest, *, idempotency_key: str | None = None
    ) -> ConnectionCreated:
        return self._t.send(c.duplicate(body, idempotency_key))

    def test_new(self, body: AnyCreate) -> TestResult:
        """Test a definition without saving it."""
        return self._t.send(c.test_new(body))

    def test(self, qid: str, ops: Sequence[PatchOp] | None = None) -> TestResult:
        """Test a saved connection, optionally with a JSON Patch applied for the test only."""
        return self._t.send(c.test(qid, ops))

    def browse(self, qid: str, path: str = "", *, limit: int | None = None) -> Entries:
        return self._t.send(c.browse(qid, path, limit))

    def iter_browse(self, qid: str, path: str = "", *, limit: int | None = None) -> Iterator[Entry]:
        for page in self._t.pages(c.browse(qid, path, limit)):
            for item in page.data:
                yield item

    def preview(self, qid: str, path: str, *, limit: int | None = None) -> Preview:
        """The first rows of a table (or JSON array), or the first bytes of another file."""
        return self._t.send(c.preview(qid, path, limit))


class LegacyAPI:
    """The deprecated ``/api/v1/dcaas/actions/data-connections`` endpoints."""

    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def create(
        self,
        body: PropertiesConnectionCreate,
        *,
        idempotency_key: str | None = None,
    ) -> LegacyConnectionCreated | AuthUrl:
        return self._t.send(c.legacy_create(body, idempotency_key))

    def get(self, connection_id: str) -> LegacyConnection:
        return self._t.send(c.legacy_get(connection_id))

    def api_spec(self, data_source_id: str) -> ApiSpec:
        return self._t.send(c.legacy_api_spec(data_source_id))


class DataSourcesAPI:
    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(
        self, *, data_source_id: str | None = None, include_disabled: bool = False
    ) -> builtins.list[DataSource]:
        return (self._t.send(k.sources_list(data_source_id, include_disabled))).dataSources

    def api_spec(self, data_source_id: str) -> ApiSpec:
        return self._t.send(k.api_spec(data_source_id))

    def settings(self, data_source_id: str) -> DataSourceSettings:
        return self._t.send(k.settings_get(data_source_id))

    def set_disabled(self, data_source_id: str, *, disabled: bool) -> DataSourceSettings:
        return self._t.send(k.settings_put(data_source_id, disabled))

    def gateways(self, data_source_id: str, *, force_refresh: bool = False) -> SourceGateways:
        """The gateways registered for a Direct Access (``DG_*``) data source."""
        return self._t.send(e.source_gateways(data_source_id, force_refresh))


class SyncEngineAPI:
    """The engine endpoints: engine instances, releasing a connection (an engine key or JWT
    scope only), and who got which connection's secrets (tenant admins)."""

    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def endpoints(self) -> builtins.list[EndpointRef]:
        return (self._t.send(e.endpoints_list())).endpoints

    def add_endpoint(
        self, body: EndpointCreate, *, idempotency_key: str | None = None
    ) -> EndpointRef:
        return self._t.send(e.endpoint_add(body, idempotency_key))

    def remove_endpoint(self, endpoint_id: str) -> None:
        self._t.send(e.endpoint_remove(endpoint_id))

    def release(self, body: EndpointRequest) -> EndpointRelease:
        """A connection's connection string and secrets (the release is recorded)."""
        return self._t.send(e.release(body))

    def releases(
        self, *, connection_id: str | None = None, limit: int | None = None
    ) -> ReleaseRecords:
        """One page of release records, newest first; :meth:`iter_releases` walks them all."""
        return self._t.send(e.releases(connection_id, limit))

    def iter_releases(
        self, *, connection_id: str | None = None, limit: int | None = None
    ) -> Iterator[ReleaseRecord]:
        for page in self._t.pages(e.releases(connection_id, limit)):
            for item in page.data:
                yield item


class SyncGatewaysAPI:
    """Direct Access gateways (``DG_*`` sources); tenant admins register them."""

    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(self) -> builtins.list[Gateway]:
        return (self._t.send(e.gateways_list())).data

    def add(self, body: GatewayCreate, *, idempotency_key: str | None = None) -> Gateway:
        return self._t.send(e.gateway_add(body, idempotency_key))

    def remove(self, gateway_id: str) -> None:
        self._t.send(e.gateway_remove(gateway_id))


class CredentialsAPI:
    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        filter: str | None = None,  # noqa: A002
    ) -> Credentials:
        return self._t.send(k.credentials_list(limit, sort, filter))

    def iter(
        self,
        *,
        limit: int | None = None,
        sort: str | None = None,
        filter: str | None = None,  # noqa: A002
    ) -> Iterator[Credential]:
        for page in self._t.pages(k.credentials_list(limit, sort, filter)):
            for item in page.data:
                yield item

    def get(self, qid: str, *, by_name: bool = False) -> Credential:
        return self._t.send(k.credential_get(qid, by_name))

    def update(self, qid: str, body: CredentialUpdate, *, if_match: str | None = None) -> None:
        self._t.send(k.credential_put(qid, body, if_match))

    def patch(self, qid: str, ops: Sequence[PatchOp], *, if_match: str | None = None) -> None:
        self._t.send(k.credential_patch(qid, ops, if_match))

    def delete(self, qid: str, *, by_name: bool = False, if_match: str | None = None) -> None:
        self._t.send(k.credential_delete(qid, by_name, if_match))

    def orphans(self, body: OrphanFilter | None = None) -> builtins.list[OrphanCredential]:
        return (self._t.send(k.orphans(body or OrphanFilter()))).data


class SpacesAPI:
    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(self, *, limit: int | None = None) -> builtins.list[Space]:
        return (self._t.send(k.spaces_list(limit))).data

    def create(self, body: SpaceCreate, *, idempotency_key: str | None = None) -> Space:
        return self._t.send(k.space_create(body, idempotency_key))

    def get(self, space_id: str) -> Space:
        return self._t.send(k.space_get(space_id))

    def update(self, space_id: str, body: SpaceUpdate, *, if_match: str | None = None) -> Space:
        return self._t.send(k.space_update(space_id, body, if_match))

    def delete(self, space_id: str, *, if_match: str | None = None) -> None:
        self._t.send(k.space_delete(space_id, if_match))

    def assignments(self, space_id: str) -> builtins.list[Assignment]:
        return (self._t.send(k.assignments_list(space_id))).data

    def assign(
        self, space_id: str, body: AssignmentCreate, *, idempotency_key: str | None = None
    ) -> Assignment:
        return self._t.send(k.assignment_create(space_id, body, idempotency_key))

    def unassign(self, space_id: str, assignment_id: str) -> None:
        self._t.send(k.assignment_delete(space_id, assignment_id))


class ApiKeysAPI:
    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(self, *, limit: int | None = None) -> builtins.list[ApiKey]:
        return (self._t.send(k.keys_list(limit))).data

    def create(
        self, body: ApiKeyCreate | None = None, *, idempotency_key: str | None = None
    ) -> ApiKeyCreated:
        return self._t.send(k.key_create(body or ApiKeyCreate(), idempotency_key))

    def revoke(self, key_id: str) -> None:
        self._t.send(k.key_revoke(key_id))


class WebhooksAPI:
    """Webhooks of the caller's tenant (tenant admins only)."""

    def __init__(self, t: SyncTransport) -> None:
        self._t = t

    def list(self, *, limit: int | None = None) -> builtins.list[Webhook]:
        return (self._t.send(wh.webhooks_list(limit))).data

    def create(self, body: WebhookCreate) -> Webhook:
        return self._t.send(wh.webhook_create(body))

    def get(self, webhook_id: str) -> Webhook:
        return self._t.send(wh.webhook_get(webhook_id))

    def update(self, webhook_id: str, body: WebhookCreate) -> Webhook:
        return self._t.send(wh.webhook_update(webhook_id, body))

    def patch(self, webhook_id: str, ops: Sequence[PatchOp]) -> None:
        self._t.send(wh.webhook_patch(webhook_id, ops))

    def delete(self, webhook_id: str) -> None:
        self._t.send(wh.webhook_delete(webhook_id))

    def event_types(self) -> builtins.list[EventType]:
        return (self._t.send(wh.event_types())).data

    def deliveries(
        self, webhook_id: str, *, limit: int | None = None, status: str | None = None
    ) -> builtins.list[Delivery]:
        return (self._t.send(wh.deliveries(webhook_id, limit, status))).data

    def delivery(self, webhook_id: str, delivery_id: str) -> Delivery:
        return self._t.send(wh.delivery(webhook_id, delivery_id))

    def resend(self, webhook_id: str, delivery_id: str) -> Delivery:
        return self._t.send(wh.resend(webhook_id, delivery_id))


class Client:
    """A dcaas client.

    ``base_url`` defaults to ``DCAAS_URL`` (then http://127.0.0.1:8080) and ``token`` to
    ``DCAAS_TOKEN``. ``transport`` swaps the network (tests); ``retry`` bounds the retries
    of 429 and 503 answers.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        target = resolve(base_url, token)
        self.base_url = target.base_url
        self._http = httpx.Client(
            base_url=target.base_url, headers=target.headers(), timeout=timeout, transport=transport
        )
        self.transport = SyncTransport(self._http, retry or RetryPolicy())
        self.connections = ConnectionsAPI(self.transport)
        self.legacy = LegacyAPI(self.transport)
        self.data_sources = DataSourcesAPI(self.transport)
        self.credentials = CredentialsAPI(self.transport)
        self.spaces = SpacesAPI(self.transport)
        self.api_keys = ApiKeysAPI(self.transport)
        self.engine = SyncEngineAPI(self.transport)
        self.gateways = SyncGatewaysAPI(self.transport)
        self.webhooks = WebhooksAPI(self.transport)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"  # never the token

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
