"""Data connections: create (two body shapes), read, list, patch, replace, delete, bulk, copy.

Services flush, never commit: the request's unit of work commits once, so a failure at
any step leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dcaas.audit import service as audit
from dcaas.audit import types as events
from dcaas.connection.boundary import (
    CONNECTION_SECRET,
    PASSWORD,
    STORED_CREDENTIAL,
    USERNAME,
    Change,
    Kept,
    Record,
    Stored,
    Verdict,
    decide,
    masked,
    statement_properties,
)
from dcaas.connection.guard import stamp
from dcaas.connection.models import Connection
from dcaas.connection.patching import credential_only
from dcaas.connection.repository import KEYSET, ConnectionRepository, ConnectionRow, filter_fields
from dcaas.connectors import DataSource, get_data_source
from dcaas.connectors.gateway import GATEWAY_INSTANCE, is_gateway_source
from dcaas.credential.service import CredentialService
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
from dcaas.kit.paging import Cursor, Page, Sort
from dcaas.kit.scim import filter_clause
from dcaas.kit.time import utcnow
from dcaas.space.service import SpaceAccess, may_use, privileges_of

if TYPE_CHECKING:
    import builtins
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.auth.principal import Principal
    from dcaas.connection.schemas import ConnectionCreate, ConnectionUpdate, DcaasConnectionCreate
    from dcaas.credential.models import Credential
    from dcaas.kit.crypto import Envelope, Sealed
    from dcaas.space.models import Space

    PatchRules = Callable[["ConnectionService", Connection, Any], Awaitable[object]]

_LOG_ON_CURRENT_USER = {"1", "LOG_ON_CURRENT_USER"}
NEEDS_REAUTH = "needs-reauthentication"  # dcaas.oauth.tokens.NEEDS_REAUTH (no import cycle)


@dataclass
class ConnectionView:
    """A connection as one caller sees it."""

    connection: Connection
    privileges: list[str]
    credential_name: str | None = None
    credential_id: str | None = None  # the caller's own, on a separated connection


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
        "the connection was changed by another request; retry", code=Code.CONNECTION_CHANGED
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
        source = self.known_source(body.datasourceID)
        await self.sources.require_enabled_for_create(source.id)
        space = await self.access.space_for_write(body.space)
        self._spaces[space.id] = space
        change = Change(properties=body.connectionProperties, extra=extra_secrets or {})
        verdict = decide(source, Stored(), change)
        connection = Connection(
            id=new_uuid(),
            tenant_id=self.principal.tenant_id,
            space_id=space.id,
            owner_id=self.principal.user_id,
            name=body.qName,
            data_source_id=source.id,
            q_type=source.provider,
            tags=body.tags,
            log_on=0,
            separate_credentials=verdict.separated,
            auth_status=auth_status,
        )
        credential = await self._establish(connection, verdict)
        return await self._insert(connection, credential)

    async def create_from_statement(self, body: ConnectionCreate) -> ConnectionView:
        await self.sources.require_enabled_for_create(body.datasourceID)
        source = self.known_source(body.datasourceID)  # as the properties form does
        space = await self.access.space_for_write(body.space)
        self._spaces[space.id] = space
        conn_id = self._new_id(body.qID, body.qEngineObjectID)
        change = Change(
            properties=statement_properties(source, body.qConnectStatement, {}),
            statement=body.qConnectStatement,
            username=_or_kept(body.qUsername, USERNAME),
            password=_or_kept(body.qPassword, PASSWORD),
            credential=body.qCredentialsID or STORED_CREDENTIAL,
            connection_secret=_tri_state(body.qConnectionSecret),
            separated=body.qSeparateCredentials,
            credential_name=body.qCredentialsName,
        )
        verdict = decide(source, Stored(), change)
        connection = Connection(
            id=conn_id,
            tenant_id=self.principal.tenant_id,
            space_id=space.id,
            owner_id=self.principal.user_id,
            name=body.qName,
            data_source_id=body.datasourceID,
            q_type=body.qType,
            tags=body.tags,
            log_on=1 if body.qLogOn in _LOG_ON_CURRENT_USER else 0,
            architecture=body.qArchitecture,
            separate_credentials=verdict.separated,
        )
        credential = await self._establish(connection, verdict)
        return await self._insert(connection, credential)

    def known_source(self, data_source_id: str) -> DataSource:
        """The catalog's data source of that id, or a 400 naming ``datasourceID``."""
        source = get_data_source(data_source_id)
        if source is None:
            raise ValidationFailed(
                f"unknown data source {data_source_id!r}; GET /api/v1/data-sources lists them",
                field="datasourceID",
                code=Code.DATASOURCE_NOT_FOUND,
            )
        return source

    @staticmethod
    def _new_id(q_id: str | None, engine_id: str | None) -> str:
        """A new id, always made here. A client's qID / qEngineObjectID is checked (a UUID,
        both equal) and then not used: honouring it would make the answer depend on whether
        that id exists, in this tenant or another, which is an oracle. The answer carries
        the id."""
        chosen = q_id or engine_id
        if q_id and engine_id and q_id != engine_id:
            raise ValidationFailed("qID and qEngineObjectID must be equal", field="qEngineObjectID")
        if chosen and not is_uuid(chosen):
            raise ValidationFailed("qID must be a UUID", field="qID", code=Code.INVALID_ID)
        return new_uuid()

    # -- the secret boundary: the one way properties, statement and credential change ------
    async def stored_state(self, connection: Connection) -> Stored:
        """What the connection holds now, its credential opened (for a change to build on).

        With separated credentials that is the caller's own credential for it, never another
        user's (see :meth:`credential_of`)."""
        credential = await self.credential_of(connection)
        payload = self.credentials.open(credential) if credential else {}
        return Stored(
            public=dict(connection.properties),
            statement=connection.connect_statement,
            payload=payload,
            credential_id=credential.id if credential else None,
            separated=connection.separate_credentials,
            connection_secret=connection.secret_ciphertext is not None,
            owned=credential is not None and credential.owner_id == self.principal.user_id,
        )

    async def credential_of(self, connection: Connection) -> Credential | None:
        """The credential the caller uses with ``connection``: its shared one, or with
        separated credentials the caller's own (None until they bring one)."""
        repo = self.credentials.repo
        if not connection.separate_credentials:
            if connection.credential_id is None:
                return None
            return await repo.get_any_owner(connection.credential_id)
        user_id = self.principal.user_id
        own = await self.repo.personal_credential_id(connection.id, user_id)
        credential = await repo.get_any_owner(own) if own else None
        # Linked only by _establish, for the caller's own record: checked again all the same.
        return credential if credential is not None and credential.owner_id == user_id else None

    async def rewrite(
        self, connection: Connection, change: Change, stored: Stored | None = None
    ) -> Verdict:
        """Apply a change of a stored connection's properties, secrets or credential.

        :func:`dcaas.connection.boundary.decide` says what the result keeps (or refuses);
        ``stored`` is the connection's :meth:`stored_state` when the caller already has it.
        """
        stored = stored or await self.stored_state(connection)
        verdict = decide(get_data_source(connection.data_source_id), stored, change)
        await self._establish(connection, verdict)
        return verdict

    async def restate(self, connection: Connection, extra: dict[str, Any] | None = None) -> Verdict:
        """The connection as it is (plus non-property secrets such as OAuth tokens)."""
        stored = await self.stored_state(connection)
        source = get_data_source(connection.data_source_id)
        change = Change(
            properties=masked(source, stored.public, stored.payload),
            statement=connection.connect_statement,
            extra=extra or {},
        )
        return await self.rewrite(connection, change, stored)

    async def _establish(
        self, connection: Connection, verdict: Verdict, *, copy: bool = False
    ) -> Credential | None:
        """Store a verdict on the connection (a copy never shares the original's record).

        With separated credentials the record is the caller's own, linked to the connection
        for them alone; the connection itself then holds no credential.
        """
        # Sealed first: a remote key service is never called inside the write transaction,
        # which the credential's flush below would begin.
        secret = verdict.connection_secret
        sealed_secret = (
            seal_secret(self.envelope, connection.tenant_id, connection.id, secret)
            if secret and not isinstance(secret, Kept)
            else None
        )
        record = verdict.record
        if copy and record in (Record.KEEP, Record.REWRITE):
            record = Record.NEW if verdict.payload else Record.NONE
        credential = await self._record(connection, verdict, record)
        if verdict.changed or verdict.switched:
            # Everyone's personal credentials were for what the connection was: detached
            # (the records stay, and filter-orphan finds them).
            await self.repo.unlink_personal(connection.id)
        if verdict.separated and inspect(connection).persistent:
            await self._personal(connection, credential)  # a new one's: after its insert
        # Only now the connection changes: the flushes above see it as it was (the guard).
        connection.properties = verdict.public
        connection.connect_statement = verdict.statement
        connection.credential_id = None if verdict.separated or not credential else credential.id
        connection.separate_credentials = verdict.separated
        if verdict.reauthorize:
            connection.auth_status = NEEDS_REAUTH
        if not isinstance(secret, Kept):  # "" or None clears it
            _set_connection_secret(connection, sealed_secret)
        stamp(connection)
        return credential

    async def _record(
        self, connection: Connection, verdict: Verdict, record: Record
    ) -> Credential | None:
        """The credential record the verdict leaves the caller with (written as it says)."""
        credentials = self.credentials
        name = verdict.control.get("credentialsName")
        if record in (Record.KEEP, Record.REWRITE) and verdict.stored_credential:
            credential = await credentials.repo.get_any_owner(verdict.stored_credential)
            if credential is None:
                return None
            if record == Record.REWRITE:
                credentials.reseal(credential, verdict.payload)
            if verdict.switched:  # the caller's own record (the boundary checked): it moves
                credential.separated = verdict.separated
                if name:
                    await credentials.rename(credential, name)
            return credential
        if record == Record.NEW:
            return await credentials.create(
                data_source_id=connection.data_source_id,
                q_type=connection.q_type,
                payload=verdict.payload,
                name=name,
                separated=verdict.separated,
            )
        if record == Record.SELECT and verdict.selected:
            return await credentials.usable(verdict.selected)
        return None

    async def _personal(self, connection: Connection, credential: Credential | None) -> None:
        """Link (or unlink) the caller's own credential to a separated connection."""
        user_id = self.principal.user_id
        if credential is None:
            await self.repo.unlink_personal(connection.id, user_id)
            return
        try:
            await self.repo.link_personal(connection.id, user_id, credential.id)
        except IntegrityError:
            # A concurrent request linked one first (or removed the record): the unit of
            # work rolls back with the 409.
            raise Conflict(
                "your credential for this connection was changed by another request; retry",
                code=Code.CONNECTION_CHANGED,
            ) from None

    async def check_name(self, connection: Connection, *, exclude_id: str | None = None) -> None:
        """409 when the name is taken in the connection's space (``exclude_id``: itself)."""
        if await self.repo.name_taken(connection.space_id, connection.name, exclude_id=exclude_id):
            raise _conflict(connection.name)

    async def _insert(
        self, connection: Connection, credential: Credential | None
    ) -> ConnectionView:
        await self._check_gateway(connection, changed=True)
        try:
            await self.repo.add(connection)
        except IntegrityError:
            # The unique (tenant, space, name) constraint decides, also between concurrent
            # creates; the request's transaction is rolled back with the 409.
            raise _conflict(connection.name) from None
        if connection.separate_credentials:
            await self._personal(connection, credential)
        if credential is None:
            return await self._view(connection)
        view = await self._view(connection, credential_name=credential.name)
        view.credential_id = credential.id
        return view

    async def _check_gateway(self, connection: Connection, *, changed: bool) -> None:
        """A DG_* connection names a registered gateway of its source, checked when set."""
        if changed and is_gateway_source(connection.data_source_id):
            gateway = (connection.properties or {}).get(GATEWAY_INSTANCE)
            await self.sources.require_gateway(connection.data_source_id, gateway)

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
        page = KEYSET.assemble(
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
            conditions.append(filter_clause(query.filter, filter_fields()))
        return conditions

    # -- change -----------------------------------------------------------------------------
    async def patch(
        self,
        ref: str,
        raw_ops: Any,
        rules: PatchRules,
        *,
        by_name: bool = False,
        if_match: str | None = None,
    ) -> int:
        """Apply a JSON Patch by ``rules`` (the endpoint passes ``patching.apply_patch``, which
        uses this service); the new version (for the ETag)."""
        connection = await self.find(ref, by_name=by_name)
        if not credential_only(connection, raw_ops):  # else: a user brings their own
            connection = await self._manageable(ref, by_name=by_name)
        etags.require(if_match, connection.version, f"data connection {connection.id}")
        await rules(self, connection, raw_ops)
        await self.save(connection, conditional=if_match is not None)
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
        stored = await self.stored_state(connection)
        source = get_data_source(connection.data_source_id)
        change = Change(
            properties=statement_properties(source, body.qConnectStatement, stored.payload),
            statement=body.qConnectStatement,
            username=_or_kept(body.qUsername, USERNAME),
            password=_or_kept(body.qPassword, PASSWORD),
            credential=body.qCredentialsID or STORED_CREDENTIAL,
            connection_secret=_tri_state(body.qConnectionSecret),
            separated=body.qSeparateCredentials,
            credential_name=body.qCredentialsName,
        )
        if body.space and body.space != connection.space_id:
            connection.space_id = (await self.access.space_for_write(body.space)).id
        connection.name = body.qName
        connection.q_type = body.qType
        if body.qLogOn is not None:
            connection.log_on = 1 if body.qLogOn in _LOG_ON_CURRENT_USER else 0
        if body.qArchitecture is not None:
            connection.architecture = body.qArchitecture
        if body.tags is not None:
            connection.tags = body.tags
        await self.rewrite(connection, change, stored)
        await self.check_name(connection, exclude_id=connection.id)
        await self.save(connection, conditional=if_match is not None)
        return connection.version

    async def save(self, connection: Connection, *, conditional: bool = False) -> None:
        """Flush the change; the UPDATE matches the version read, so no update is lost."""
        await self._check_gateway(connection, changed=_gateway_changed(connection))
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
        self.principal.require_admin("a bulk delete (Qlik: only available to Admin)")
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
        """A copy in a space the caller may write to; secrets only for who manages the original.

        Someone who may only use the original gets a copy without any stored secret (and
        without OAuth tokens): they give their own, with ``qUsername`` / ``qPassword`` here or
        by a later change. A manager's copy gets a new credential record with the same
        secrets; the copy's later changes go through the boundary like any other.
        """
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
            tags=list(original.tags),
            log_on=original.log_on,
            architecture=original.architecture,
            separate_credentials=original.separate_credentials,
        )
        await self.check_name(copy)
        space = await self._space(original.space_id)
        manages = space is not None and await self.access.can_manage(space)
        if manages and not original.separate_credentials:
            stored = await self.stored_state(original)
        else:
            stored = Stored(
                public=dict(original.properties),
                statement=original.connect_statement,
                separated=original.separate_credentials,  # a copy stays separated
            )
        source = get_data_source(original.data_source_id)
        change = Change(
            properties=masked(source, stored.public, stored.payload),
            statement=original.connect_statement,
            username=_or_kept(username, USERNAME),
            password=_or_kept(password, PASSWORD),
        )
        verdict = decide(source, stored, change)
        credential = await self._establish(copy, verdict, copy=True)
        view = await self._insert(copy, credential)
        audit.emit(
            self.session,
            events.CONNECTION_DUPLICATED,
            object_type="data-connection",
            object_id=copy.id,
            tenant_id=copy.tenant_id,
            data={"sourceId": original.id, "spaceId": copy.space_id, "secretsCopied": manages},
        )
        return view


def _gateway_changed(connection: Connection) -> bool:
    """Whether this change sets the connection's gatewayInstance (or its data source)."""
    state = inspect(connection)
    history = state.attrs.properties.history
    before = [p.get(GATEWAY_INSTANCE) for p in history.deleted or () if isinstance(p, dict)]
    now = (connection.properties or {}).get(GATEWAY_INSTANCE)
    return bool(state.attrs.data_source_id.history.deleted) or (bool(before) and before != [now])


def _or_kept(value: str | None, key: str) -> str | Kept:
    """Qlik's absent-keeps: a value given replaces, an absent one keeps the stored one."""
    return Kept(key) if value is None else value


def _tri_state(value: str | None) -> str | Kept | None:
    """qConnectionSecret: absent keeps, "" clears, a value replaces."""
    if value is None:
        return Kept(CONNECTION_SECRET)
    return value or None


def _set_connection_secret(connection: Connection, sealed: Sealed | None) -> None:
    """``qConnectionSecret``, sealed; None clears it."""
    connection.secret_ciphertext = sealed.ciphertext if sealed else None
    connection.secret_wrapped_key = sealed.wrapped_key if sealed else None
    connection.secret_key_id = sealed.key_id if sealed else None
