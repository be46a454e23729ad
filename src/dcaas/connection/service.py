"""Data connections: create (two body shapes), read, list, patch, replace, delete, bulk, copy.

Services flush, never commit: the request's unit of work commits once, so a failure at
any step leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dcaas.connection import statement
from dcaas.connection.models import Connection
from dcaas.connection.repository import FILTER_FIELDS, ConnectionRepository, ConnectionRow
from dcaas.connectors import DataSource, get_data_source
from dcaas.credential.service import CredentialService, credential_payload
from dcaas.credential.vault import seal_secret
from dcaas.datasource.service import DataSourceService
from dcaas.errors import (
    BadRequest,
    Code,
    Conflict,
    DcaasError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from dcaas.kit import etag as etags
from dcaas.kit.ids import is_uuid, new_uuid
from dcaas.kit.listing import assemble
from dcaas.kit.paging import Cursor, Page, Sort
from dcaas.kit.scim import filter_clause
from dcaas.kit.time import utcnow
from dcaas.space.service import SpaceAccess, may_use, privileges_of

if TYPE_CHECKING:
    import builtins

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.connection.schemas import ConnectionCreate, ConnectionUpdate, DcaasConnectionCreate
    from dcaas.credential.models import Credential
    from dcaas.kit.crypto import Envelope
    from dcaas.space.models import Space

_LOG_ON_CURRENT_USER = {"1", "LOG_ON_CURRENT_USER"}
_HOST_PROPERTIES = ("host", "server", "url")


@dataclass
class ConnectionView:
    """A connection as one caller sees it."""

    connection: Connection
    privileges: list[str]
    credential_name: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionRead:
    """A connection as GET one answers it: the row (no ORM object) and the caller's rights."""

    connection: ConnectionRow
    privileges: list[str]


@dataclass
class ListQuery:
    limit: int = 20
    sort: Sort = field(default_factory=lambda: Sort("qName", descending=False))
    cursor: Cursor | None = None
    filter: str | None = None
    space_id: str | None = None
    personal: bool = False
    owned_by_me: bool = False
    user_id: str | None = None
    include_disabled: bool = False
    case_insensitive: bool = False


def _conflict(name: str) -> Conflict:
    return Conflict(
        f"a data connection named {name!r} already exists in this space",
        code=Code.CONNECTION_NAME_CONFLICT,
        meta={"field": "qName"},
    )


def _require_uuid(ref: str) -> None:
    if not is_uuid(ref):
        raise BadRequest(
            f"{ref!r} is not a connection id (a UUID); to address a connection "
            "by name add type=connectionname",
            code=Code.INVALID_ID,
            meta={"field": "qID"},
        )


def _changed_meanwhile(connection_id: str, *, conditional: bool) -> DcaasError:
    """Another request changed or deleted the row between our read and our write."""
    if conditional:
        return etags.stale(f"data connection {connection_id}")
    return Conflict(
        "the connection was changed by another request; retry", code=Code.PRECONDITION_FAILED
    )


class ConnectionService:
    def __init__(self, session: AsyncSession, principal: Principal, envelope: Envelope) -> None:
        self.session = session
        self.principal = principal
        self.envelope = envelope
        self.repo = ConnectionRepository(session, principal.tenant_id)
        self.access = SpaceAccess.of(session, principal)
        self.sources = DataSourceService(session, principal)
        self.credentials = CredentialService(session, principal, envelope)
        self._spaces: dict[str, Space | None] = {}

    # -- create ---------------------------------------------------------------------------
    async def create_from_properties(
        self,
        body: DcaasConnectionCreate,
        *,
        extra_secrets: dict[str, Any] | None = None,
        auth_status: str | None = None,
    ) -> ConnectionView:
        """``extra_secrets`` join the credential (OAuth tokens, which are not properties)."""
        source = self._known_source(body.datasourceID)
        await self.sources.require_enabled_for_create(source.id)
        space = await self.access.space_for_write(body.space)
        self._spaces[space.id] = space
        split = source.validate(body.connectionProperties)
        connection = Connection(
            id=new_uuid(),
            tenant_id=self.principal.tenant_id,
            space_id=space.id,
            owner_id=self.principal.user_id,
            name=body.qName,
            data_source_id=source.id,
            q_type=source.provider,
            connect_statement=statement.build(source.provider, source.id, split.public),
            properties=split.public,
            tags=body.tags,
            log_on=0,
            separate_credentials=bool(split.control.get("separateCredentials")),
            auth_status=auth_status,
        )
        credential = await self._credential_for(
            source.id, source.provider, {**split.secrets, **(extra_secrets or {})}, split.control
        )
        connection.credential_id = credential.id if credential else None
        return await self._insert(connection, credential)

    async def create_from_statement(self, body: ConnectionCreate) -> ConnectionView:
        await self.sources.require_enabled_for_create(body.datasourceID)
        source = get_data_source(body.datasourceID)
        space = await self.access.space_for_write(body.space)
        self._spaces[space.id] = space
        conn_id = await self._client_id(body.qID, body.qEngineObjectID)
        text, public, secrets = self._split_statement(body.qConnectStatement, source)
        connection = Connection(
            id=conn_id,
            tenant_id=self.principal.tenant_id,
            space_id=space.id,
            owner_id=self.principal.user_id,
            name=body.qName,
            data_source_id=body.datasourceID,
            q_type=body.qType,
            connect_statement=text,
            properties=public,
            tags=body.tags,
            log_on=1 if body.qLogOn in _LOG_ON_CURRENT_USER else 0,
            architecture=body.qArchitecture,
            separate_credentials=body.qSeparateCredentials,
        )
        if body.qConnectionSecret:  # sealed before anything is written (see kit/db.py)
            self._seal_connection_secret(connection, body.qConnectionSecret)
        credential: Credential | None = None
        if body.qCredentialsID:
            credential = await self.credentials.usable(body.qCredentialsID)
            connection.credential_id = credential.id
        else:
            payload = credential_payload(source, body.qUsername, body.qPassword, secrets)
            if payload:
                credential = await self.credentials.create(
                    data_source_id=body.datasourceID,
                    q_type=body.qType,
                    payload=payload,
                    name=body.qCredentialsName,
                    separated=body.qSeparateCredentials,
                )
                connection.credential_id = credential.id
        return await self._insert(connection, credential)

    def _known_source(self, data_source_id: str) -> DataSource:
        source = get_data_source(data_source_id)
        if source is None:
            raise ValidationFailed(
                f"unknown data source {data_source_id!r}; GET /api/v1/data-sources lists them",
                field="datasourceID",
                code=Code.DATASOURCE_NOT_FOUND,
            )
        return source

    async def _client_id(self, q_id: str | None, engine_id: str | None) -> str:
        chosen = q_id or engine_id
        if not chosen:
            return new_uuid()
        if q_id and engine_id and q_id != engine_id:
            raise ValidationFailed("qID and qEngineObjectID must be equal", field="qEngineObjectID")
        if not is_uuid(chosen):
            raise ValidationFailed("qID must be a UUID", field="qID", code=Code.INVALID_ID)
        if await self.repo.exists_anywhere(chosen):
            raise Conflict(
                f"a data connection with id {chosen} exists",
                code=Code.CONNECTION_ID_CONFLICT,
                meta={"field": "qID"},
            )
        return chosen

    def _split_statement(
        self, text: str, source: DataSource | None
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Keep secrets out of a client's statement: move any secret property to the credential."""
        parsed = statement.parse(text)
        if parsed is None:
            return text, {}, {}
        secret_names = source.properties.secret_fields() if source else frozenset()
        public = {k: v for k, v in parsed.properties.items() if k not in secret_names}
        secrets = {k: v for k, v in parsed.properties.items() if k in secret_names}
        if secrets and parsed.provider and parsed.source_type:
            text = statement.build(parsed.provider, parsed.source_type, public)
        return text, public, secrets

    async def _credential_for(
        self, data_source_id: str, q_type: str, secrets: dict[str, Any], control: dict[str, Any]
    ) -> Credential | None:
        selected = control.get("selectedCredentials")
        if selected:
            if secrets:
                raise ValidationFailed(
                    "give either selectedCredentials or credential properties, not both",
                    field="connectionProperties.selectedCredentials",
                )
            return await self.credentials.usable(selected)
        if not secrets:
            return None
        return await self.credentials.create(
            data_source_id=data_source_id,
            q_type=q_type,
            payload=secrets,
            name=control.get("credentialsName"),
            separated=bool(control.get("separateCredentials")),
        )

    async def _check_name(self, connection: Connection, *, exclude_id: str | None = None) -> None:
        if await self.repo.name_taken(connection.space_id, connection.name, exclude_id=exclude_id):
            raise _conflict(connection.name)

    async def _insert(
        self, connection: Connection, credential: Credential | None
    ) -> ConnectionView:
        try:
            await self.repo.add(connection)
        except IntegrityError:
            # The unique (tenant, space, name) constraint decides, also between concurrent
            # creates; the request's transaction is rolled back with the 409.
            raise _conflict(connection.name) from None
        name = credential.name if credential is not None else None
        return await self._view(connection, credential_name=name)

    def _seal_connection_secret(self, connection: Connection, value: str | None) -> None:
        if not value:
            connection.secret_ciphertext = None
            connection.secret_wrapped_key = None
            connection.secret_key_id = None
            return
        sealed = seal_secret(self.envelope, connection.tenant_id, connection.id, value)
        connection.secret_ciphertext = sealed.ciphertext
        connection.secret_wrapped_key = sealed.wrapped_key
        connection.secret_key_id = sealed.key_id

    # -- read -------------------------------------------------------------------------------
    async def _space(self, space_id: str) -> Space | None:
        if space_id not in self._spaces:
            self._spaces[space_id] = await self.access.repo.get(space_id)
        return self._spaces[space_id]

    async def _view(
        self, connection: Connection, *, credential_name: str | None = None
    ) -> ConnectionView:
        space = await self._space(connection.space_id)
        privileges = await self.access.privileges(space) if space else []
        return ConnectionView(connection, privileges, credential_name)

    async def _visible(self, connection: Connection | None, ref: str) -> Connection:
        if connection is not None:
            space = await self._space(connection.space_id)
            if space is not None and await self.access.can_use(space):
                return connection
        raise NotFound(f"data connection {ref} not found", code=Code.CONNECTION_NOT_FOUND)

    async def find(
        self, ref: str, *, by_name: bool = False, space_id: str | None = None
    ) -> Connection:
        if by_name:
            spaces = [space_id] if space_id else await self.access.visible_space_ids()
            for candidate in await self.repo.by_name(ref, spaces):
                space = await self._space(candidate.space_id)
                if space is not None and await self.access.can_use(space):
                    return candidate
            raise NotFound(f"data connection {ref!r} not found", code=Code.CONNECTION_NOT_FOUND)
        _require_uuid(ref)
        found = await self.repo.get_with_space(ref)
        if found is None:
            return await self._visible(None, ref)
        connection, space = found
        self._spaces[space.id] = space
        return await self._visible(connection, ref)

    async def read_one(self, connection_id: str) -> ConnectionRead:
        """GET one by id: one query, who may see it decided from the same row."""
        _require_uuid(connection_id)
        p = self.principal
        row = await self.repo.visible_row(connection_id, p.user_id)
        roles = (row.roles or []) if row is not None else []
        if row is None or not may_use(p, row.space_type, row.space_owner_id, roles):
            raise NotFound(
                f"data connection {connection_id} not found", code=Code.CONNECTION_NOT_FOUND
            )
        return ConnectionRead(row, privileges_of(p, row.space_type, row.space_owner_id, roles))

    async def get(
        self, ref: str, *, by_name: bool = False, space_id: str | None = None
    ) -> ConnectionView:
        return await self._view(await self.find(ref, by_name=by_name, space_id=space_id))

    async def manageable(self, ref: str, *, by_name: bool = False) -> Connection:
        """A connection the caller may change: 404 when not visible, 403 when only usable."""
        return await self._manageable(ref, by_name=by_name)

    async def _manageable(
        self, ref: str, *, by_name: bool = False, space_id: str | None = None
    ) -> Connection:
        connection = await self.find(ref, by_name=by_name, space_id=space_id)
        space = await self._space(connection.space_id)
        if space is None or not await self.access.can_manage(space):
            raise Forbidden(
                f"you may use but not change data connection {connection.id}",
                meta={"qID": connection.id},
            )
        return connection

    async def list(self, query: ListQuery) -> Page[ConnectionRead]:
        """A page of what the caller may see: rows and rights from one query, no ORM."""
        p = self.principal
        conditions = await self._list_conditions(query)
        rows = await self.repo.page(
            conditions,
            sort=query.sort,
            cursor=query.cursor,
            limit=query.limit,
            case_insensitive=query.case_insensitive,
            user_id=p.user_id,
        )
        page = assemble(
            rows,
            sort=query.sort,
            cursor=query.cursor,
            limit=query.limit,
            count=await self.repo.count(conditions),
            case_insensitive=query.case_insensitive,
        )
        reads = [
            ConnectionRead(r, privileges_of(p, r.space_type, r.space_owner_id, r.roles or []))
            for r in page.items
        ]
        return Page(reads, page.next, page.prev, page.count)

    async def _list_conditions(self, query: ListQuery) -> builtins.list[ColumnElement[bool]]:
        p = self.principal
        conditions: list[ColumnElement[bool]] = []
        if query.user_id and query.user_id != p.user_id:
            if not p.is_admin:
                raise Forbidden(
                    "userId of another user needs the tenant admin role",
                    code=Code.ADMIN_REQUIRED,
                    meta={"field": "userId"},
                )
            conditions.append(Connection.owner_id == query.user_id)
        else:
            visible = await self.access.visible_space_ids()
            conditions.append(Connection.space_id.in_(visible) if visible else false())
            if query.user_id:
                conditions.append(Connection.owner_id == p.user_id)
        if query.space_id:
            conditions.append(Connection.space_id == query.space_id)
        elif query.personal:
            personal = await self.access.repo.personal_of(p.user_id)
            conditions.append(Connection.space_id == (personal.id if personal else ""))
        if query.owned_by_me:
            conditions.append(Connection.owner_id == p.user_id)
        if not query.include_disabled:
            disabled = await self.sources.repo.disabled_ids()
            if disabled:
                conditions.append(Connection.data_source_id.not_in(disabled))
        if query.filter:
            conditions.append(filter_clause(query.filter, FILTER_FIELDS))
        return conditions

    # -- change -----------------------------------------------------------------------------
    async def patch(
        self, ref: str, raw_ops: Any, *, by_name: bool = False, if_match: str | None = None
    ) -> int:
        """Apply a JSON Patch; the new version (for the ETag)."""
        from dcaas.connection.patching import apply_patch  # noqa: PLC0415

        connection = await self._manageable(ref, by_name=by_name)
        etags.require(if_match, connection.version, f"data connection {connection.id}")
        await apply_patch(self, connection, raw_ops)
        await self._save(connection, conditional=if_match is not None)
        return connection.version

    async def _replaceable(
        self,
        ref: str,
        body: ConnectionUpdate,
        *,
        by_name: bool,
        space_id: str | None,
        if_match: str | None,
    ) -> Connection:
        connection = await self._manageable(ref, by_name=by_name, space_id=space_id)
        etags.require(if_match, connection.version, f"data connection {connection.id}")
        if body.qID != connection.id or body.qEngineObjectID != connection.id:
            raise ValidationFailed(
                "qID and qEngineObjectID must be the connection's id", field="qID"
            )
        if body.datasourceID and body.datasourceID != connection.data_source_id:
            raise ValidationFailed(
                "the data source of a connection cannot change", field="datasourceID"
            )
        return connection

    async def put(
        self,
        ref: str,
        body: ConnectionUpdate,
        *,
        by_name: bool = False,
        space_id: str | None = None,
        if_match: str | None = None,
    ) -> int:
        """Replace a connection; the new version (for the ETag)."""
        connection = await self._replaceable(
            ref, body, by_name=by_name, space_id=space_id, if_match=if_match
        )
        source = get_data_source(connection.data_source_id)
        text, public, secrets = self._split_statement(body.qConnectStatement, source)
        if body.space and body.space != connection.space_id:
            connection.space_id = (await self.access.space_for_write(body.space)).id
        connection.name = body.qName
        connection.q_type = body.qType
        connection.connect_statement = text
        connection.properties = public
        if body.qLogOn is not None:
            connection.log_on = 1 if body.qLogOn in _LOG_ON_CURRENT_USER else 0
        if body.qArchitecture is not None:
            connection.architecture = body.qArchitecture
        if body.tags is not None:
            connection.tags = body.tags
        if body.qConnectionSecret is not None:  # tri-state: absent keeps, "" clears
            self._seal_connection_secret(connection, body.qConnectionSecret)  # before any write
        if body.qCredentialsID is not None:
            connection.credential_id = (await self.credentials.usable(body.qCredentialsID)).id
        elif body.qUsername is not None or body.qPassword is not None or secrets:
            await self.replace_secrets(
                connection, credential_payload(source, body.qUsername, body.qPassword, secrets)
            )
        if body.qSeparateCredentials is not None:
            connection.separate_credentials = body.qSeparateCredentials
        await self._check_name(connection, exclude_id=connection.id)
        await self._save(connection, conditional=if_match is not None)
        return connection.version

    async def replace_secrets(self, connection: Connection, payload: dict[str, Any]) -> None:
        """Merge new secret values into the connection's credential (or create one)."""
        if connection.credential_id:
            credential = await self.credentials.repo.get_any_owner(connection.credential_id)
            if credential is not None:
                merged = {**self.credentials.open(credential), **payload}
                self.credentials.reseal(credential, merged)
                return
        if payload:
            credential = await self.credentials.create(
                data_source_id=connection.data_source_id,
                q_type=connection.q_type,
                payload=payload,
                name=None,
                separated=connection.separate_credentials,
            )
            connection.credential_id = credential.id

    async def _save(self, connection: Connection, *, conditional: bool = False) -> None:
        """Flush the change; the UPDATE matches the version read, so no update is lost."""
        connection.updated = utcnow()
        # Read before flushing: a failed flush rolls back and expires the object.
        conn_id, name = connection.id, connection.name
        try:
            await self.session.flush()
        except IntegrityError:
            raise _conflict(name) from None
        except StaleDataError:
            raise _changed_meanwhile(conn_id, conditional=conditional) from None

    async def delete(
        self,
        ref: str,
        *,
        by_name: bool = False,
        space_id: str | None = None,
        if_match: str | None = None,
    ) -> None:
        connection = await self._manageable(ref, by_name=by_name, space_id=space_id)
        conn_id = connection.id
        etags.require(if_match, connection.version, f"data connection {conn_id}")
        try:
            async with self.session.begin_nested():
                await self.repo.remove(connection)
        except StaleDataError:
            raise _changed_meanwhile(conn_id, conditional=if_match is not None) from None

    async def bulk_delete(
        self, ids: builtins.list[str]
    ) -> builtins.list[tuple[str, int, DcaasError | None]]:
        results: list[tuple[str, int, DcaasError | None]] = []
        for conn_id in ids:
            try:
                async with self.session.begin_nested():
                    await self.delete(conn_id)
                results.append((conn_id, 204, None))
            except DcaasError as exc:
                results.append((conn_id, exc.status, exc))
        return results

    async def duplicate(
        self,
        source_id: str,
        *,
        name: str | None,
        space_id: str | None,
        username: str | None,
        password: str | None,
    ) -> ConnectionView:
        original = await self.find(source_id)
        target = await self.access.space_for_write(space_id or original.space_id)
        copy = Connection(
            id=new_uuid(),
            tenant_id=original.tenant_id,
            space_id=target.id,
            owner_id=self.principal.user_id,
            name=name or f"{original.name} - Copy",
            data_source_id=original.data_source_id,
            q_type=original.q_type,
            connect_statement=original.connect_statement,
            properties=dict(original.properties),
            tags=list(original.tags),
            log_on=original.log_on,
            architecture=original.architecture,
            separate_credentials=original.separate_credentials,
        )
        await self._check_name(copy)
        payload: dict[str, Any] = {}
        if original.credential_id and not original.separate_credentials:
            stored = await self.credentials.repo.get_any_owner(original.credential_id)
            if stored is not None:
                payload = self.credentials.open(stored)
        source = get_data_source(original.data_source_id)
        payload = credential_payload(source, username, password, payload)
        credential = None
        if payload:
            credential = await self.credentials.create(
                data_source_id=copy.data_source_id,
                q_type=copy.q_type,
                payload=payload,
                name=None,
                separated=False,
            )
            copy.credential_id = credential.id
        return await self._insert(copy, credential)
