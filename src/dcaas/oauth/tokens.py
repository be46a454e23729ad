"""Access tokens of OAuth connections: kept sealed, refreshed before they expire, once.

Two uses of a connection whose token is about to expire refresh it once: in a process, a
per-connection ``asyncio.Lock``; across processes, a refresh claim (a row in
``oauth_refresh_claims``, committed at once), which others wait on and then re-read. No
transaction is open while the provider is called: read, claim, call, then one short write
stores the new tokens (conditional on the credential being unchanged since it was read) and
commits on its own, so a rotated refresh token is never lost to a rollback of the request
that happened to trigger it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from dcaas.audit import types as events
from dcaas.audit.service import emit
from dcaas.connection.repository import ConnectionRepository
from dcaas.connectors import get_data_source
from dcaas.connectors.base import FailureClass, SourceFailure
from dcaas.connectors.oauth import ACCESS_TOKEN, TOKEN_FIELDS
from dcaas.credential.repository import CredentialRepository
from dcaas.credential.vault import credential_aad, open_credential
from dcaas.errors import Code, DcaasError
from dcaas.kit.ids import new_uuid
from dcaas.kit.time import utcnow
from dcaas.oauth.client import (
    GrantRejected,
    OAuthApp,
    TokenEndpointFailed,
    TokenSet,
    refresh,
    resolve_app,
)
from dcaas.oauth.repository import RefreshClaimRepository
from dcaas.observability.in_use import note_secret

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.config import Settings
    from dcaas.connection.models import Connection
    from dcaas.credential.models import Credential
    from dcaas.kit.crypto import Envelope
    from dcaas.kit.db import Store

AUTH_OK = "ok"
NEEDS_REAUTH = "needs-reauthentication"
_LOCKS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
_POLL = 0.05  # seconds between looks at another request's refresh
_STALE_CLAIM = timedelta(minutes=2)  # no refresh takes this long: its process died
_SAVE_ATTEMPTS = 3  # the credential changed meanwhile (a PATCH): merge and try again


def token_payload(
    tokens: TokenSet, token_url: str, previous_refresh: str | None = None
) -> dict[str, Any]:
    """What goes into the credential: a provider that does not rotate keeps the old refresh."""
    return {
        "accessToken": tokens.access_token,
        "refreshToken": tokens.refresh_token or previous_refresh,
        "expiresAt": tokens.expires_at,
        "tokenType": tokens.token_type,
        "grantTokenUrl": token_url,
    }


def reauth_failure(connection_id: str) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_REAUTH_REQUIRED,
        FailureClass.REAUTHENTICATE,
        "the provider no longer accepts this connection's authorization; re-authenticate it "
        f"(POST /api/v1/data-connections/{connection_id}/actions/authorize, or PATCH the "
        "connection with a qlik-auth-code header)",
        http_status=400,
    )


def _is_fresh(payload: dict[str, Any], margin: float) -> bool:
    if not payload.get("accessToken"):
        return False
    expires_at = payload.get("expiresAt")
    return expires_at is None or float(expires_at) - margin > time.time()


def _lock(connection_id: str) -> asyncio.Lock:
    lock = _LOCKS.get(connection_id)
    if lock is None:
        lock = asyncio.Lock()
        _LOCKS[connection_id] = lock
    return lock


class TokenKeeper:
    """Gives out fresh access tokens of saved OAuth connections."""

    def __init__(self, store: Store, envelope: Envelope, settings: Settings) -> None:
        self.store = store
        self.envelope = envelope
        self.settings = settings

    async def fresh_access_token(self, tenant_id: str, connection_id: str) -> str:
        """A token valid for at least the refresh margin; raises :class:`SourceFailure`."""
        _, _, payload = await self._read(tenant_id, connection_id)
        if _is_fresh(payload, self.settings.oauth_refresh_margin):
            return str(payload["accessToken"])
        async with _lock(connection_id):
            return await self._refresh(tenant_id, connection_id)

    async def _read(
        self, tenant_id: str, connection_id: str
    ) -> tuple[Connection, Credential, dict[str, Any]]:
        """The connection, its credential and the opened payload, in a short read."""
        async with self.store.read() as session:
            connection, credential = await self._rows(session, tenant_id, connection_id)
        return connection, credential, open_credential(self.envelope, credential)

    @staticmethod
    async def _rows(
        session: AsyncSession, tenant_id: str, connection_id: str
    ) -> tuple[Connection, Credential]:
        connection = await ConnectionRepository(session, tenant_id).get(connection_id)
        if connection is None or connection.auth_status == NEEDS_REAUTH:
            raise reauth_failure(connection_id)
        credentials = CredentialRepository(session, tenant_id, owner_id=None)
        credential = (
            await credentials.get_fresh(connection.credential_id)
            if connection.credential_id
            else None
        )
        if credential is None:
            raise reauth_failure(connection_id)
        return connection, credential

    async def _refresh(self, tenant_id: str, connection_id: str) -> str:
        """Refresh once across processes: claim, call the provider holding nothing, store."""
        deadline = time.monotonic() + self.settings.connector_total_timeout
        claim = new_uuid()
        while True:
            connection, credential, payload = await self._read(tenant_id, connection_id)
            if _is_fresh(payload, self.settings.oauth_refresh_margin):
                return str(payload["accessToken"])  # another request or process refreshed it
            if await self._claim(credential.id, claim):
                break
            if time.monotonic() >= deadline:
                raise SourceFailure(
                    Code.SOURCE_SERVER_ERROR,
                    FailureClass.TRANSIENT,
                    "another request is refreshing this connection's access token; retry",
                )
            await asyncio.sleep(_POLL)
        try:
            # Whoever held the claim before may have finished just before we took it.
            connection, credential, payload = await self._read(tenant_id, connection_id)
            if _is_fresh(payload, self.settings.oauth_refresh_margin):
                return str(payload["accessToken"])
            try:
                tokens, token_url = await self._call(connection, payload)
            except GrantRejected as exc:
                if exc.error != "invalid_grant":
                    raise _client_refused(exc) from None
                async with self.store.write() as session:
                    repo = ConnectionRepository(session, tenant_id)
                    await repo.set_auth_status(connection_id, NEEDS_REAUTH)
                    emit(
                        session,
                        events.NEEDS_REAUTHENTICATION,
                        object_type="data-connection",
                        object_id=connection_id,
                        tenant_id=tenant_id,
                        outcome="failure",
                        data={"error": "invalid_grant"},
                    )
                raise reauth_failure(connection_id) from None
            fresh = token_payload(tokens, token_url, payload.get("refreshToken"))
            await self._save(tenant_id, connection_id, credential, payload, fresh)
            return tokens.access_token
        finally:
            async with self.store.write() as session:
                await RefreshClaimRepository(session).release(credential.id, claim)

    async def _claim(self, credential_id: str, claim: str) -> bool:
        now = utcnow()
        try:
            async with self.store.write() as session:
                await RefreshClaimRepository(session).claim(credential_id, claim, now)
        except IntegrityError:
            async with self.store.write() as session:
                return await RefreshClaimRepository(session).take_over(
                    credential_id, claim, now, stale_before=now - _STALE_CLAIM
                )
        return True

    async def _save(
        self,
        tenant_id: str,
        connection_id: str,
        credential: Credential,
        payload: dict[str, Any],
        fresh: dict[str, Any],
    ) -> None:
        """Seal (before any transaction), then store unless the credential changed since it
        was read; then merge into the changed one and try again."""
        for _ in range(_SAVE_ATTEMPTS):
            aad = credential_aad(credential)
            sealed = self.envelope.seal_json({**payload, **fresh}, aad=aad)
            async with self.store.write() as session:
                credentials = CredentialRepository(session, tenant_id, owner_id=None)
                if await credentials.replace_sealed(
                    credential.id, read=credential.ciphertext, sealed=sealed, now=utcnow()
                ):
                    emit(
                        session,
                        events.OAUTH_REFRESHED,
                        object_type="data-connection",
                        object_id=connection_id,
                        tenant_id=tenant_id,
                    )
                    return
            _, credential, payload = await self._read(tenant_id, connection_id)
        raise SourceFailure(
            Code.SOURCE_SERVER_ERROR,
            FailureClass.TRANSIENT,
            "the connection's credential kept changing while its token was refreshed; retry",
        )

    async def _call(self, connection: Connection, payload: dict[str, Any]) -> tuple[TokenSet, str]:
        app = self._app(connection, payload)
        refresh_token = payload.get("refreshToken")
        # Tokens go back only to the endpoint that issued them: a changed tokenUrl re-authorizes.
        if not refresh_token or payload.get("grantTokenUrl") != app.token_url:
            raise GrantRejected("invalid_grant")
        try:
            return await refresh(app, str(refresh_token), self.settings), app.token_url
        except TokenEndpointFailed as exc:
            raise SourceFailure(
                Code.SOURCE_SERVER_ERROR,
                FailureClass.TRANSIENT,
                f"refreshing the access token failed: {exc}; retry later",
            ) from None

    def _app(self, connection: Connection, payload: dict[str, Any]) -> OAuthApp:
        source = get_data_source(connection.data_source_id)
        if source is None or source.oauth is None:
            raise reauth_failure(connection.id)
        properties = dict(connection.properties)
        if payload.get("clientSecret"):
            properties["clientSecret"] = payload["clientSecret"]
        try:
            return resolve_app(source, properties, self.settings, redirect_uri="")
        except DcaasError as exc:
            raise SourceFailure(
                Code.SOURCE_AUTH_FAILED, FailureClass.CONFIGURATION, exc.detail, http_status=400
            ) from None


def _client_refused(exc: GrantRejected) -> SourceFailure:
    return SourceFailure(
        Code.SOURCE_AUTH_FAILED,
        FailureClass.CONFIGURATION,
        f"the token endpoint refused the OAuth client ({exc.error}); check the client id and "
        "secret of the connection or of the operator's configuration",
        http_status=400,
    )


@dataclass(frozen=True)
class Prepared:
    """What a connector runner hands an OAuth connector: properties without any token or
    client secret, and ``extra`` for ``ConnectorContext.extra`` (the token source)."""

    properties: dict[str, Any]
    extra: dict[str, Any]


def oauth_prepare(
    store: Store,
    envelope: Envelope,
    settings: Settings,
    connection: Connection,
    properties: dict[str, Any],
) -> Prepared:
    """Call before constructing the connector of a saved connection (a no-op for non-OAuth)."""
    source = get_data_source(connection.data_source_id)
    if source is None or not source.uses_oauth(properties):
        return Prepared(properties, {})
    keeper = TokenKeeper(store, envelope, settings)
    tenant_id, connection_id = connection.tenant_id, connection.id

    async def access_token() -> str:
        token = await keeper.fresh_access_token(tenant_id, connection_id)
        note_secret(token)  # scrubbed from log lines for the rest of the connector call
        return token

    hidden = {*TOKEN_FIELDS, "clientSecret"}
    cleaned = {k: v for k, v in properties.items() if k not in hidden}
    return Prepared(cleaned, {ACCESS_TOKEN: access_token})
