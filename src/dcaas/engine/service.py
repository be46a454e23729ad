"""The engine endpoints: the one place where a connection's secret leaves dcaas.

Who may ask: a principal holding the engine grant (an API key created with the ``engine``
scope by a tenant admin, or a JWT carrying ``DCAAS_ENGINE_SCOPE``); nobody else, tenant
admins included. The grant adds no reach: an engine principal resolves connections with the
rights of its user (the spaces that user may use, in its own tenant), through the same
connection service and the same stored-secret path (``opened_credential``) that test,
browse and preview use.

Every answer is recorded (:class:`~dcaas.engine.models.EngineRelease`): a release in the
request's own unit of work, so no secret is answered unless its record commits; a refusal in
a short write of its own, since the request's work is rolled back. Records hold who asked,
which connection, when, the ``reloadId`` and the outcome, never a secret.

OAuth connections release a fresh access token, refreshed when needed by
:class:`~dcaas.oauth.tokens.TokenKeeper` outside any transaction; never the refresh token or
the client secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dcaas.connection import statement as statements
from dcaas.connection.presenter import qri
from dcaas.connection.probe.service import source_error
from dcaas.connection.probe.targets import (
    opened_credential,
    personal_credential_missing,
    usable_properties,
)
from dcaas.connection.service import ConnectionService
from dcaas.connectors import get_data_source
from dcaas.connectors.oauth import APP_FIELDS, TOKEN_FIELDS
from dcaas.connectors.source_failure import SourceFailure
from dcaas.datasource.models import Gateway
from dcaas.datasource.repository import GatewayRepository
from dcaas.engine.models import EngineEndpoint, EngineRelease
from dcaas.engine.presenter import endpoint_ref
from dcaas.engine.repository import (
    RELEASES,
    EndpointRepository,
    ReleaseRepository,
    StatementRepository,
)
from dcaas.engine.schemas import (
    ConnectionInstance,
    PostEndpointRequest,
    PostEndpointResponse,
)
from dcaas.errors import BadRequest, Code, Conflict, DcaasError, Forbidden, NotFound
from dcaas.kit.crypto import KeyProviderError
from dcaas.kit.time import utcnow
from dcaas.oauth.tokens import TokenKeeper
from dcaas.space.repository import SpaceRepository

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.connection.models import Connection
    from dcaas.connectors import DataSource
    from dcaas.deps import AppState
    from dcaas.kit.paging import Cursor, Page, Sort
    from dcaas.unit_of_work import UnitOfWork

log = logging.getLogger("dcaas.engine")
RELEASED, REFUSED = "released", "refused"
DATA_INTERFACE = {"rld": "data", "dq": "dq"}
_HIDDEN = frozenset({*TOKEN_FIELDS, "clientSecret"})


def require_engine(principal: Principal) -> None:
    """403 unless the caller holds the engine grant (being a tenant admin is not enough)."""
    if not principal.is_engine:
        raise Forbidden(
            "the engine endpoints hand out connection secrets and need the engine grant: an "
            "API key a tenant admin created with scopes=['engine'] (dcaas apikey create "
            "--engine), or a JWT with the engine scope",
            code=Code.ENGINE_GRANT_REQUIRED,
        )


def require_admin(principal: Principal, what: str) -> None:
    if not principal.is_admin:
        raise Forbidden(f"only tenant admins may {what}", code=Code.ADMIN_REQUIRED)


@dataclass
class Resolved:
    """What a release answers, read in one short read (nothing held afterwards)."""

    connection: Connection | None
    source_id: str | None
    statement: str
    properties: dict[str, Any]
    user: str | None
    password: str | None
    space_name: str | None
    oauth: bool
    endpoint: EngineEndpoint | None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


class Resolver:
    """Finds the connection an engine asks for and opens its secrets, in one read."""

    def __init__(self, db: AsyncSession, principal: Principal, state: AppState) -> None:
        self.db = db
        self.principal = principal
        self.state = state
        self.connections = ConnectionService(db, principal, state.envelope)

    async def resolve(self, body: PostEndpointRequest) -> Resolved:
        if body.dataSourceId is not None:
            source = await self.connections.sources.enabled(body.dataSourceId)
            return await self._bare(source.id, "")
        if body.connectionString is not None:
            connection = await self._by_statement(body.connectionString)
            if connection is None:
                parsed = statements.parse(body.connectionString)
                source_id = parsed.source_type if parsed is not None else None
                return await self._bare(source_id, body.connectionString)
        elif body.connectionName is not None:
            connection = await self._by_name(body.connectionName, body.spaceId)
        else:
            connection = await self.connections.find(str(body.connectionId))
        return await self._release(connection, check=body.checkCredentials)

    async def _bare(self, source_id: str | None, statement: str) -> Resolved:
        """No saved connection: the endpoint for the source, and no secret."""
        return Resolved(
            connection=None,
            source_id=source_id,
            statement=statement,
            properties={},
            user=None,
            password=None,
            space_name=None,
            oauth=False,
            endpoint=await self._endpoint(source_id),
        )

    async def _endpoint(self, source_id: str | None) -> EngineEndpoint | None:
        if source_id is None:
            return None
        found = await EndpointRepository(self.db, self.principal.tenant_id).list(source_id)
        return found[0] if found else None

    async def _by_name(self, name: str, space_id: str | None) -> Connection:
        """``Space:Name``; ``:Name`` (or a bare name) in ``spaceId``, else the personal space."""
        space_name, colon, conn_name = name.partition(":")
        if not colon:
            space_name, conn_name = "", name
        spaces = SpaceRepository(self.db, self.principal.tenant_id)
        if space_name:
            space = await spaces.visible_named(
                self.principal.user_id, space_name, all_shared=self.principal.is_admin
            )
            if space is None:
                raise NotFound(
                    f"data connection {name!r} not found", code=Code.CONNECTION_NOT_FOUND
                )
            space_id = space.id
        elif space_id is None:
            personal = await spaces.personal_of(self.principal.user_id)
            if personal is None:
                raise NotFound("the caller has no personal space", code=Code.SPACE_NOT_FOUND)
            space_id = personal.id
        return await self.connections.find(conn_name, by_name=True, space_id=space_id)

    async def _by_statement(self, statement: str) -> Connection | None:
        visible = await self.connections.access.visible_space_ids()
        repo = StatementRepository(self.db, self.principal.tenant_id)
        found = await repo.by_statement(statement, visible)
        # The first match, through the rules of GET one, as for the other ways of asking.
        return await self.connections.find(found[0].id) if found else None

    async def _release(self, connection: Connection, *, check: bool) -> Resolved:
        stored = await opened_credential(self.connections, connection)
        source = get_data_source(connection.data_source_id)
        if connection.separate_credentials and not stored and check and source is not None:
            # The same answer as a test, browse or preview by this caller would get.
            raise personal_credential_missing(connection.id, source)
        space = await SpaceRepository(self.db, self.principal.tenant_id).get(connection.space_id)
        space_name = None if space is None or space.type == "personal" else space.name
        if source is None:  # a statement dcaas cannot read: released as it is stored
            return Resolved(
                connection=connection,
                source_id=connection.data_source_id,
                statement=connection.connect_statement,
                properties={},
                user=_text(stored.get("qUsername")),
                password=_text(stored.get("qPassword")),
                space_name=space_name,
                oauth=False,
                endpoint=await self._endpoint(connection.data_source_id),
            )
        full = usable_properties(
            source, dict(connection.properties), stored, separated=connection.separate_credentials
        )
        oauth = source.uses_oauth(full)
        released = {k: v for k, v in full.items() if k not in _HIDDEN}
        return Resolved(
            connection=connection,
            source_id=source.id,
            statement=_statement(source, released),
            properties=released,
            user=_text(_credential(source.username_property, full, stored, "qUsername")),
            password=None
            if oauth
            else _text(_credential(source.password_property, full, stored, "qPassword")),
            space_name=space_name,
            oauth=oauth,
            endpoint=await self._endpoint(source.id),
        )


def _credential(
    name: str | None, full: dict[str, Any], stored: dict[str, Any], fallback: str
) -> Any:
    if name and full.get(name) not in (None, ""):
        return full[name]
    return stored.get(fallback)


def _statement(source: DataSource, properties: dict[str, Any]) -> str:
    """The connect statement with every property the engine needs, secrets included (the
    stored ``qConnectStatement`` never holds one); OAuth app settings stay out."""
    engine_props = {k: v for k, v in properties.items() if k not in APP_FIELDS}
    return statements.build(source.provider, source.id, engine_props, key=source.source_property)


class EngineService:
    def __init__(self, state: AppState, principal: Principal) -> None:
        self.state = state
        self.principal = principal

    async def release(self, unit: UnitOfWork, body: PostEndpointRequest) -> PostEndpointResponse:
        """Resolve in a short read, refresh an OAuth token holding nothing, then record the
        release in the request's unit of work (committed before the answer is sent)."""
        require_engine(self.principal)
        resolved: Resolved | None = None
        try:
            async with unit.read() as db:
                resolved = await Resolver(db, self.principal, self.state).resolve(body)
            password = resolved.password
            if resolved.oauth and resolved.connection is not None:
                password = await self._access_token(resolved.connection)
        except DcaasError as exc:
            await self._refused(body, resolved, exc.code)
            raise
        except KeyProviderError:  # answered 503 by the app; the refusal is recorded too
            await self._refused(body, resolved, Code.UNAVAILABLE)
            raise
        await ReleaseRepository(unit.writing, self.principal.tenant_id).add(
            self._record(body, resolved, RELEASED, None)
        )
        return _answer(resolved, body, password)

    async def _access_token(self, connection: Connection) -> str:
        s = self.state
        keeper = TokenKeeper(s.store, s.envelope, s.settings)
        try:
            return await keeper.fresh_access_token(connection.tenant_id, connection.id)
        except SourceFailure as failure:
            raise source_error(failure) from None

    def _record(
        self, body: PostEndpointRequest, resolved: Resolved | None, outcome: str, code: str | None
    ) -> EngineRelease:
        p = self.principal
        connection = resolved.connection if resolved else None
        return EngineRelease(
            tenant_id=p.tenant_id,
            user_id=p.user_id,
            subject=p.subject,
            via=p.via,
            connection_id=connection.id if connection else _asked_id(body),
            connection_name=connection.name
            if connection
            else (body.connectionName or "")[:256] or None,
            data_source_id=resolved.source_id if resolved else body.dataSourceId,
            asked_by=body.asked_by,
            reload_id=body.reloadId,
            outcome=outcome,
            code=code,
            created=utcnow(),
        )

    async def _refused(
        self, body: PostEndpointRequest, resolved: Resolved | None, code: str
    ) -> None:
        """A refusal is recorded in a short write of its own (the request's is rolled back)."""
        record = self._record(body, resolved, REFUSED, code)
        try:
            async with self.state.store.write() as db:
                await ReleaseRepository(db, self.principal.tenant_id).add(record)
        except Exception:  # the answer is the refusal's; a lost record is logged
            log.exception("could not record a refused engine release")

    async def releases(
        self,
        db: AsyncSession,
        *,
        connection_id: str | None,
        sort: Sort,
        cursor: Cursor | None,
        limit: int,
    ) -> Page[EngineRelease]:
        require_admin(self.principal, "list engine releases")
        repo = ReleaseRepository(db, self.principal.tenant_id)
        where = repo.where(connection_id)
        rows = await repo.page_where(RELEASES, where, sort=sort, cursor=cursor, limit=limit)
        count = await repo.count_where(where)
        return RELEASES.assemble(rows, sort=sort, cursor=cursor, limit=limit, count=count)


def _asked_id(body: PostEndpointRequest) -> str | None:
    """The id an engine asked for, kept when it was not found (it is not a secret)."""
    ref = body.connectionId
    return ref if ref is not None and len(ref) <= 64 else None  # noqa: PLR2004


def _answer(
    resolved: Resolved, body: PostEndpointRequest, password: str | None
) -> PostEndpointResponse:
    endpoint = endpoint_ref(resolved.endpoint) if resolved.endpoint else None
    c = resolved.connection
    if c is None and not resolved.statement:
        return PostEndpointResponse(endpoint=endpoint)
    instance = ConnectionInstance(
        connectionId=c.id if c else None,
        connectionString=resolved.statement,
        dataInterfaceType=DATA_INTERFACE[body.type],
        user=resolved.user,
        password=password,
        qri=qri(c) if c else None,
        spaceQualifiedConnectionName=f"{resolved.space_name or ''}:{c.name}" if c else None,
    )
    return PostEndpointResponse(connection=instance, endpoint=endpoint)


class OperatorService:
    """Engine instances and gateways: registered by tenant admins, read by engines too."""

    def __init__(self, db: AsyncSession, principal: Principal) -> None:
        self.db = db
        self.principal = principal
        self.endpoints = EndpointRepository(db, principal.tenant_id)
        self.gateways = GatewayRepository(db, principal.tenant_id)

    async def list_endpoints(self) -> Sequence[EngineEndpoint]:
        if not (self.principal.is_engine or self.principal.is_admin):
            require_engine(self.principal)
        return await self.endpoints.list()

    async def add_endpoint(
        self, *, data_source_id: str, url: str, is_pod_url: bool
    ) -> EngineEndpoint:
        require_admin(self.principal, "register engine endpoints")
        if get_data_source(data_source_id) is None:
            raise NotFound(
                f"data source {data_source_id!r} not found",
                code=Code.DATASOURCE_NOT_FOUND,
                meta={"dataSourceId": data_source_id},
            )
        endpoint = EngineEndpoint(
            tenant_id=self.principal.tenant_id,
            data_source_id=data_source_id,
            url=url,
            is_pod_url=is_pod_url,
        )
        return await self.endpoints.add(endpoint)

    async def remove_endpoint(self, endpoint_id: str) -> None:
        require_admin(self.principal, "remove engine endpoints")
        endpoint = await self.endpoints.get(endpoint_id)
        if endpoint is None:
            raise NotFound(
                f"engine endpoint {endpoint_id} not found", code=Code.ENGINE_ENDPOINT_NOT_FOUND
            )
        await self.endpoints.remove(endpoint)

    async def list_gateways(self) -> Sequence[Gateway]:
        return await self.gateways.list()

    async def add_gateway(self, *, name: str, data_sources: list[str], default: bool) -> Gateway:
        require_admin(self.principal, "register gateways")
        unknown = [d for d in data_sources if not _is_gateway_source(d)]
        if unknown:
            raise BadRequest(
                "a gateway serves Direct Access (DG_*) data sources only; not "
                + ", ".join(repr(u) for u in unknown),
                code=Code.DATASOURCE_NOT_FOUND,
                meta={"field": "dataSources", "dataSources": unknown},
            )
        if await self.gateways.by_name(name) is not None:
            raise Conflict(
                f"a gateway named {name!r} already exists",
                code=Code.GATEWAY_NAME_CONFLICT,
                meta={"field": "name"},
            )
        if default:  # one default per data source: the new one takes over
            for other in await self.gateways.list():
                if other.is_default and set(other.data_sources) & set(data_sources):
                    other.is_default = False
        now = utcnow()
        gateway = Gateway(
            tenant_id=self.principal.tenant_id,
            name=name,
            data_sources=sorted(set(data_sources)),
            is_default=default,
            created=now,
            updated=now,
        )
        return await self.gateways.add(gateway)

    async def remove_gateway(self, gateway_id: str) -> None:
        require_admin(self.principal, "remove gateways")
        gateway = await self.gateways.get(gateway_id)
        if gateway is None:
            raise NotFound(f"gateway {gateway_id} not found", code=Code.GATEWAY_NOT_FOUND)
        await self.gateways.remove(gateway)

    async def gateways_of(self, data_source_id: str) -> list[Gateway]:
        """The gateways serving a DG_* source (404 for another or an unknown source)."""
        if not _is_gateway_source(data_source_id):
            raise NotFound(
                f"data source {data_source_id!r} is not a Direct Access gateway source (DG_*)",
                code=Code.DATASOURCE_NOT_FOUND,
                meta={"dataSourceId": data_source_id},
            )
        return [g for g in await self.gateways.list() if data_source_id in g.data_sources]


def _is_gateway_source(data_source_id: str) -> bool:
    return data_source_id.startswith("DG_") and get_data_source(data_source_id) is not None
