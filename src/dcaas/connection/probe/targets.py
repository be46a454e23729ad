"""What a connection test runs against: a data source and its full properties.

Three kinds of target, none of which writes anything:

* an unsaved definition (the create body, either form);
* a saved connection (its public properties joined with its stored secrets);
* a saved connection as a JSON Patch would leave it: Qlik's patch rules and the secret
  boundary decide (a new destination gets no stored secret), and nothing is written.
  Testing a patch is a manager's action: it can point the connection's secrets somewhere
  new.

Definitions go through the boundary as a create would (nothing stored, so nothing kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcaas.connection.boundary import (
    PASSWORD,
    STORED_CREDENTIAL,
    USERNAME,
    Change,
    Kept,
    Record,
    Stored,
    Verdict,
    decide,
    statement_properties,
)
from dcaas.connection.patching import read_patch
from dcaas.connection.schemas import ConnectionCreate, DcaasConnectionCreate
from dcaas.connectors import DataSource, get_data_source
from dcaas.connectors.gateway import is_gateway_source
from dcaas.connectors.oauth import TOKEN_FIELDS
from dcaas.deps import parse
from dcaas.errors import BadRequest, Code
from dcaas.oauth.tokens import oauth_prepare

if TYPE_CHECKING:
    from dcaas.auth.principal import Principal
    from dcaas.connection.models import Connection
    from dcaas.connection.service import ConnectionService
    from dcaas.deps import AppState


@dataclass(frozen=True)
class Target:
    """A data source, the full properties for its connector, and the credential to rotate."""

    source: DataSource
    properties: dict[str, Any]
    credential_id: str | None = None
    # What the connector finds in ConnectorContext.extra (an OAuth token source, say).
    extra: dict[str, Any] = field(default_factory=dict)


def unsupported(data_source_id: str) -> BadRequest:
    return BadRequest(
        f"data source {data_source_id!r} cannot be tested, browsed or previewed by this "
        "service: it has no connector",
        code=Code.SOURCE_UNSUPPORTED,
        meta={"dataSourceId": data_source_id},
    )


async def opened_credential(service: ConnectionService, connection: Connection) -> dict[str, Any]:
    """The stored secrets a use of a saved connection runs with: test, browse, preview and
    the engine endpoint (dcaas.engine) all read them here, so they choose alike. With
    separated credentials they are the caller's own (none until they bring one), never
    another user's (:meth:`ConnectionService.credential_of`)."""
    credential = await service.credential_of(connection)
    return service.credentials.open(credential) if credential else {}


def usable_properties(
    source: DataSource, public: dict[str, Any], stored: dict[str, Any], *, separated: bool = False
) -> dict[str, Any]:
    """A saved connection's validated properties joined with its stored secrets; with
    separated credentials the user name is the one of the caller's own record."""
    user = source.username_property
    if separated and user and user in stored:
        public = {**public, user: stored[user]}
    return _full(source, public, _secret_part(source, stored))


def _runnable(data_source_id: str) -> DataSource:
    source = get_data_source(data_source_id)
    if source is not None and is_gateway_source(source.id):
        raise BadRequest(
            f"a {source.id} connection runs on its Direct Access gateway, not in this service: "
            "test, browse and preview it there",
            code=Code.SOURCE_RUNS_ON_GATEWAY,
            meta={"dataSourceId": source.id},
        )
    if source is None or source.connector is None:
        raise unsupported(data_source_id)
    return source


def _secret_part(source: DataSource, payload: dict[str, Any]) -> dict[str, Any]:
    """The credential payload's values that are properties of this source."""
    names = source.properties.secret_fields() | source.properties.encryptable_fields()
    return {k: v for k, v in payload.items() if k in names}


def _without_tokens(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in properties.items() if k not in TOKEN_FIELDS}


def _full(source: DataSource, public: dict[str, Any], secrets: dict[str, Any]) -> dict[str, Any]:
    """Validated, coerced properties with their secrets, as the connector receives them."""
    split = source.validate(source.join(public, secrets))
    return source.join(split.public, split.secrets)


class Targets:
    """Builds targets for one caller; reads through the connection service's access rules."""

    def __init__(self, service: ConnectionService, state: AppState, principal: Principal) -> None:
        self.service = service
        self.state = state
        self.principal = principal

    async def definition(self, data: Any) -> Target:
        if isinstance(data, dict) and "connectionProperties" in data:
            return await self._from_properties(parse(DcaasConnectionCreate, data))
        return await self._from_statement(parse(ConnectionCreate, data))

    async def _from_properties(self, body: DcaasConnectionCreate) -> Target:
        source = self.service.known_source(body.datasourceID)
        await self.service.sources.require_enabled_for_create(source.id)
        source = _runnable(source.id)
        verdict = decide(source, Stored(), Change(properties=body.connectionProperties))
        return await self._unsaved(source, verdict)

    async def _from_statement(self, body: ConnectionCreate) -> Target:
        await self.service.sources.require_enabled_for_create(body.datasourceID)
        source = _runnable(body.datasourceID)
        change = Change(
            properties=statement_properties(source, body.qConnectStatement, {}),
            statement=body.qConnectStatement,
            username=Kept(USERNAME) if body.qUsername is None else body.qUsername,
            password=Kept(PASSWORD) if body.qPassword is None else body.qPassword,
            credential=body.qCredentialsID or STORED_CREDENTIAL,
        )
        return await self._unsaved(source, decide(source, Stored(), change))

    async def _unsaved(self, source: DataSource, verdict: Verdict) -> Target:
        payload = verdict.payload
        if verdict.record == Record.SELECT and verdict.selected:
            credentials = self.service.credentials
            payload = credentials.open(await credentials.usable(verdict.selected))
        return Target(source, _full(source, verdict.public, _secret_part(source, payload)))

    async def saved(self, ref: str) -> Target:
        connection = await self.service.find(ref)
        return await self._of(self.service, connection)

    async def proposed(self, ref: str, raw_ops: Any) -> Target:
        """The connection as the patch would leave it (403 when only usable, 404 unseen)."""
        connection = await self.service.manageable(ref)
        source = _runnable(connection.data_source_id)
        patched = await read_patch(self.service, connection, raw_ops)
        verdict = decide(source, patched.stored, patched.change)
        payload = verdict.payload
        if verdict.record == Record.SELECT and verdict.selected:
            credentials = self.service.credentials
            payload = credentials.open(await credentials.usable(verdict.selected))
        full = _full(source, verdict.public, _secret_part(source, payload))
        if not verdict.keeps_stored_credential:
            # Other or fewer credentials: no stored token is used, nothing is rotated.
            return Target(source, _without_tokens(full))
        s = self.state
        prepared = oauth_prepare(s.store, s.envelope, s.settings, connection, full)
        rotate = patched.stored.credential_id if verdict.record == Record.KEEP else None
        return Target(source, prepared.properties, rotate, prepared.extra)

    async def _of(self, service: ConnectionService, connection: Connection) -> Target:
        """A saved connection with the caller's credential: its shared one, or with separated
        credentials the caller's own (never another user's; an error when they have none)."""
        source = _runnable(connection.data_source_id)
        credential = await service.credential_of(connection)
        if connection.separate_credentials and credential is None:
            raise personal_credential_missing(connection.id, source)
        stored = service.credentials.open(credential) if credential else {}
        full = usable_properties(
            source, dict(connection.properties), stored, separated=connection.separate_credentials
        )
        s = self.state
        prepared = oauth_prepare(s.store, s.envelope, s.settings, connection, full)
        rotate = credential.id if credential else None
        return Target(source, prepared.properties, rotate, prepared.extra)


def personal_credential_missing(connection_id: str, source: DataSource) -> BadRequest:
    """The caller has no credential of their own for a connection with separated ones."""
    secrets = sorted(source.properties.secret_fields())
    example = ", ".join(f"/connectionProperties/{n}" for n in secrets[:2]) or "/qPassword"
    return BadRequest(
        f"data connection {connection_id} uses separated credentials and you have none for it "
        f"yet. Add yours: PATCH /api/v1/data-connections/{connection_id} with add operations "
        f"on /connectionProperties/credentialsName (a name for your new credential) and "
        f"{example} (with /qUsername where the source takes a user name), or pick one of "
        "your existing credentials with /connectionProperties/selectedCredentials",
        code=Code.PERSONAL_CREDENTIAL_MISSING,
        meta={"qID": connection_id, "field": "connectionProperties.credentialsName"},
    )
