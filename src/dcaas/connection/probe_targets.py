"""What a connection test runs against: a data source and its full properties.

Three kinds of target, none of which writes anything:

* an unsaved definition (the create body, either form);
* a saved connection (its public properties joined with its stored secrets);
* a saved connection with a JSON Patch applied, following every rule of a real PATCH
  (secrets the patch does not touch are kept from the stored credential). The patch is
  applied on the session it is given, the request's scratch phase, which is always rolled
  back before the connector is called (``UnitOfWork.scratch``): never in a second session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dcaas.connection.patching import apply_patch
from dcaas.connection.schemas import ConnectionCreate, DcaasConnectionCreate
from dcaas.connectors import DataSource, get_data_source
from dcaas.credential.service import credential_payload
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


def _runnable(data_source_id: str) -> DataSource:
    source = get_data_source(data_source_id)
    if source is None or source.connector is None:
        raise unsupported(data_source_id)
    return source


def _secret_part(source: DataSource, payload: dict[str, Any]) -> dict[str, Any]:
    """The credential payload's values that are properties of this source."""
    names = source.properties.secret_fields() | source.properties.encryptable_fields()
    return {k: v for k, v in payload.items() if k in names}


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
        source = self.service._known_source(body.datasourceID)  # noqa: SLF001
        await self.service.sources.require_enabled_for_create(source.id)
        source = _runnable(source.id)
        split = source.validate(body.connectionProperties)
        secrets = split.secrets
        selected = split.control.get("selectedCredentials")
        if selected:
            stored = self.service.credentials.open(await self.service.credentials.usable(selected))
            secrets = {**_secret_part(source, stored), **secrets}
        return Target(source, _full(source, split.public, secrets))

    async def _from_statement(self, body: ConnectionCreate) -> Target:
        await self.service.sources.require_enabled_for_create(body.datasourceID)
        source = _runnable(body.datasourceID)
        _, public, secrets = self.service._split_statement(body.qConnectStatement, source)  # noqa: SLF001
        stored: dict[str, Any] = {}
        if body.qCredentialsID:
            stored = self.service.credentials.open(
                await self.service.credentials.usable(body.qCredentialsID)
            )
        payload = credential_payload(source, body.qUsername, body.qPassword, secrets)
        return Target(source, _full(source, public, _secret_part(source, {**stored, **payload})))

    async def saved(self, ref: str) -> Target:
        connection = await self.service.find(ref)
        return await self._of(self.service, connection)

    async def proposed(self, ref: str, raw_ops: Any) -> Target:
        """The connection as the patch would leave it (on a session the caller rolls back)."""
        service = self.service
        connection = await service.find(ref)
        stored_credential = connection.credential_id
        await apply_patch(service, connection, raw_ops)
        target = await self._of(service, connection)
        # A rotated secret goes back to the stored credential only when the patch kept it;
        # a test of other credentials rotates nothing.
        if connection.credential_id != stored_credential:
            target = Target(target.source, target.properties, None, target.extra)
        return target

    async def _of(self, service: ConnectionService, connection: Connection) -> Target:
        source = _runnable(connection.data_source_id)
        stored: dict[str, Any] = {}
        if connection.credential_id:
            credential = await service.credentials.repo.get_any_owner(connection.credential_id)
            stored = service.credentials.open(credential) if credential else {}
        secrets = _secret_part(source, stored)
        full = _full(source, dict(connection.properties), secrets)
        s = self.state
        prepared = oauth_prepare(s.store, s.envelope, s.settings, connection, full)
        return Target(source, prepared.properties, connection.credential_id, prepared.extra)
