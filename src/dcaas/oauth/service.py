"""OAuth 2.0 authorization-code flows: start (an authorization URL) and finish (a code).

Starting stores a pending authorization: a random single-use ``state`` (kept as its hash), the
PKCE code verifier and the draft connection, sealed, bound to the tenant and the user, with an
expiry. Finishing exchanges the code with the verifier, either

* Qlik's way: the user posts the create again with ``connectionProperties.authCode`` (or
  PATCHes a connection with a ``qlik-auth-code`` header), or
* the browser's way: the provider redirects to ``GET /api/v1/oauth/callback``.

Finishing calls the provider's token endpoint, so it runs in three steps (the route's unit of
work is ``CallsOut``): a short read plans the exchange (the pending request, its sealed part,
the OAuth app); the exchange runs holding nothing; a short write claims the request (once,
atomically) and stores the tokens. Services flush, never commit: a failed exchange leaves no
connection and no used state.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dcaas.audit import types as events
from dcaas.audit.service import current_actor, emit
from dcaas.auth.principal import Principal
from dcaas.connection.schemas import AuthUrlResponse, DcaasConnectionCreate
from dcaas.connection.service import ConnectionService, ConnectionView
from dcaas.connectors import DataSource, get_data_source
from dcaas.connectors.failures import classify
from dcaas.connectors.oauth import APP_FIELDS
from dcaas.errors import BadRequest, Code, ServiceUnavailable, ValidationFailed
from dcaas.kit.crypto import DecryptionError, Sealed
from dcaas.kit.ids import new_uuid
from dcaas.kit.outbound import HostNotFound, OutboundRefused
from dcaas.kit.time import utcnow
from dcaas.oauth.client import (
    CALLBACK_PATH,
    GrantRejected,
    OAuthApp,
    TokenEndpointFailed,
    TokenSet,
    exchange_code,
    new_pkce,
    resolve_app,
)
from dcaas.oauth.models import OAuthAuthorization
from dcaas.oauth.repository import AuthorizationRepository
from dcaas.oauth.tokens import AUTH_OK, token_payload
from dcaas.tenant.repository import UserRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dcaas.config import Settings
    from dcaas.connection.models import Connection
    from dcaas.kit.crypto import Envelope
    from dcaas.unit_of_work import UnitOfWork

_CONTROLS = ("separateCredentials", "selectedCredentials", "credentialsName")


def is_oauth_source(data_source_id: str, properties: Any = None) -> bool:
    """Whether a create goes through the OAuth flow (gbq only with ``OAuthMechanism`` 1)."""
    source = get_data_source(data_source_id)
    return source is not None and source.uses_oauth(properties)


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _aad(authorization: OAuthAuthorization) -> bytes:
    return f"dcaas:oauth-authorization:{authorization.tenant_id}:{authorization.id}".encode()


def _state_error(code: Code, detail: str) -> BadRequest:
    return BadRequest(detail, code=code, meta={"field": "state"})


@dataclass(frozen=True)
class Completed:
    status: str  # "created" or "re-authorized"
    connection: Connection
    view: ConnectionView | None = None  # the new connection as its creator sees it


@dataclass(frozen=True)
class Exchange:
    """What finishing an authorization needs, read before the token endpoint is called:
    the pending request to claim, the app and PKCE verifier, and what the tokens are for
    (a new connection's create body, or the connection to re-authorize)."""

    pending_id: str
    app: OAuthApp
    code: str
    verifier: str
    create: DcaasConnectionCreate | None = None
    connection_id: str | None = None
    admin: bool = False  # the starter was a tenant admin (sealed into the pending request)


class OAuthService:
    def __init__(
        self, session: AsyncSession, principal: Principal, envelope: Envelope, settings: Settings
    ) -> None:
        self.session = session
        self.principal = principal
        self.envelope = envelope
        self.settings = settings
        self.connections = ConnectionService(session, principal, envelope)
        self.repo = AuthorizationRepository(session)

    # -- create ---------------------------------------------------------------------------
    def _create_parts(
        self, body: DcaasConnectionCreate
    ) -> tuple[DataSource, DcaasConnectionCreate, str | None, str | None]:
        """The source, the body without authCode and state, and those two."""
        source = self._source(body.datasourceID)
        properties = dict(body.connectionProperties)
        code, state = properties.pop("authCode", None), properties.pop("state", None)
        for name, value in (("authCode", code), ("state", state)):
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 4096):  # noqa: PLR2004
                raise ValidationFailed(
                    f"{name} must be a non-empty string", field=f"connectionProperties.{name}"
                )
        return source, body.model_copy(update={"connectionProperties": properties}), code, state

    def needs_exchange(self, body: DcaasConnectionCreate) -> bool:
        """Whether this create finishes an authorization (calls the token endpoint)."""
        _, stripped, code, _ = self._create_parts(body)
        return bool(code) and not stripped.authUrlOnly

    async def create(self, body: DcaasConnectionCreate, base_url: str) -> AuthUrlResponse:
        """Create for an OAuth source without a code: an authorization URL (or a 400)."""
        source, body, _, _ = self._create_parts(body)
        if body.authUrlOnly:
            return AuthUrlResponse(authUrl=await self._start_create(source, body, base_url))
        raise BadRequest(
            f"data source {source.id!r} uses OAuth: POST with authUrlOnly: true for an "
            "authorization URL, then POST again with connectionProperties.authCode (or let the "
            "provider redirect to the callback)",
            code=Code.OAUTH_AUTHORIZATION_REQUIRED,
            meta={"field": "authUrlOnly"},
        )

    async def _start_create(
        self, source: DataSource, body: DcaasConnectionCreate, base_url: str
    ) -> str:
        await self.connections.sources.require_enabled_for_create(source.id)
        space = await self.connections.access.space_for_write(body.space)
        split = source.validate(body.connectionProperties)
        for name in _CONTROLS:
            if name in split.control:
                raise ValidationFailed(
                    f"{name} is not available for OAuth data sources",
                    field=f"connectionProperties.{name}",
                )
        app = resolve_app(
            source, {**split.public, **split.secrets}, self.settings, base_url + CALLBACK_PATH
        )
        draft = {
            "qName": body.qName,
            "space": space.id,
            "tags": body.tags,
            "properties": body.connectionProperties,
        }
        return await self._begin(source.id, None, app, draft)

    async def plan_create(self, body: DcaasConnectionCreate) -> Exchange:
        """Read step of a create with ``authCode``: the caller's pending request for it."""
        source, body, code, state = self._create_parts(body)
        pending = await self.repo.latest(
            tenant_id=self.principal.tenant_id,
            user_id=self.principal.user_id,
            data_source_id=source.id,
            state_hash=_state_hash(state) if state else None,
        )
        if pending is None and state:
            raise _state_error(
                Code.OAUTH_STATE_UNKNOWN, "no authorization request of yours matches this state"
            )
        if pending is None:
            raise BadRequest(
                f"no authorization request of yours is pending for {source.id!r}; "
                "POST with authUrlOnly: true first",
                code=Code.OAUTH_NO_PENDING,
                meta={"field": "authCode"},
            )
        sealed = self._open(pending)
        draft = sealed["draft"]
        properties = _merge(draft["properties"], body.connectionProperties)
        app = resolve_app(source, properties, self.settings, pending.redirect_uri)
        final = body.model_copy(
            update={
                "connectionProperties": properties,
                "space": body.space or draft["space"],
                "tags": body.tags or draft["tags"],
                "authUrlOnly": False,
            }
        )
        return Exchange(pending.id, app, str(code), sealed["verifier"], create=final)

    async def _create_connection(
        self, body: DcaasConnectionCreate, tokens: TokenSet, app: OAuthApp
    ) -> ConnectionView:
        return await self.connections.create_from_properties(
            body, extra_secrets=token_payload(tokens, app.token_url), auth_status=AUTH_OK
        )

    # -- re-authentication of an existing connection ----------------------------------------
    async def authorize_existing(self, ref: str, base_url: str, *, by_name: bool = False) -> str:
        """A new authorization URL for a connection; the callback restores its tokens."""
        connection = await self.connections.manageable(ref, by_name=by_name)
        source = self._source(connection.data_source_id, field="qID")
        app = await self._app_of(connection, source, base_url + CALLBACK_PATH)
        return await self._begin(source.id, connection.id, app, {})

    async def plan_reauthorize(self, ref: str, code: str, *, by_name: bool = False) -> Exchange:
        """Read step of Qlik's PATCH with ``qlik-auth-code``: the caller's pending request."""
        connection = await self.connections.manageable(ref, by_name=by_name)
        self._source(connection.data_source_id, field="qlik-auth-code")
        tenant, user = self.principal.tenant_id, self.principal.user_id
        pending = await self.repo.latest(
            tenant_id=tenant, user_id=user, connection_id=connection.id
        )
        if pending is None:  # an authorization URL asked with authUrlOnly for the source
            pending = await self.repo.latest(
                tenant_id=tenant, user_id=user, data_source_id=connection.data_source_id
            )
        if pending is None:
            raise BadRequest(
                "no authorization request of yours is pending for this connection; "
                f"POST /api/v1/data-connections/{connection.id}/actions/authorize "
                "first",
                code=Code.OAUTH_NO_PENDING,
                meta={"field": "qlik-auth-code"},
            )
        return await self._plan_reauthorize(connection, pending, code)

    async def _plan_reauthorize(
        self, connection: Connection, pending: OAuthAuthorization, code: str
    ) -> Exchange:
        sealed = self._open(pending)
        source = self._source(connection.data_source_id)
        app = await self._app_of(connection, source, pending.redirect_uri)
        return Exchange(pending.id, app, code, sealed["verifier"], connection_id=connection.id)

    # -- the callback ---------------------------------------------------------------------
    async def plan_callback(
        self, pending: OAuthAuthorization, code: str | None, error: str | None
    ) -> Exchange:
        # A used, expired or unreadable request is refused first. The starter's admin right
        # (a JWT's roles hold for its own requests only) was sealed into the request.
        sealed = self._open(pending)
        admin = sealed.get("admin") is True
        if admin and not self.principal.is_admin:
            self.principal = replace(self.principal, is_admin=True)
            self.connections = ConnectionService(self.session, self.principal, self.envelope)
        if error:
            safe = error if error.replace("_", "").isalnum() else "an error"
            raise BadRequest(
                f"the provider answered {safe[:64]}: the authorization was not "
                "granted; start again",
                code=Code.OAUTH_PROVIDER_DENIED,
                meta={"field": "error"},
            )
        if not code:
            raise ValidationFailed("the callback needs a code", field="code")
        if pending.connection_id is not None:
            connection = await self.connections.manageable(pending.connection_id)
            plan = await self._plan_reauthorize(connection, pending, code)
            return replace(plan, admin=admin)
        draft = sealed["draft"]
        source = self._source(pending.data_source_id)
        app = resolve_app(source, draft["properties"], self.settings, pending.redirect_uri)
        body = DcaasConnectionCreate.model_validate(
            {
                "qName": draft["qName"],
                "datasourceID": source.id,
                "space": draft["space"],
                "tags": draft["tags"],
                "connectionProperties": draft["properties"],
            }
        )
        return Exchange(pending.id, app, code, sealed["verifier"], create=body, admin=admin)

    # -- the write step -------------------------------------------------------------------
    async def finish(self, plan: Exchange, tokens: TokenSet) -> Completed:
        """Store what the tokens are for and claim the pending request (once, atomically),
        in one transaction. The tokens are sealed before anything is written (kit/db.py);
        a request claimed meanwhile by another rolls all of it back."""
        if plan.connection_id is not None:
            connection = await self.connections.manageable(plan.connection_id)
            await self.connections.restate(
                connection, extra=token_payload(tokens, plan.app.token_url)
            )
            connection.auth_status = AUTH_OK
            connection.updated = utcnow()
            done = Completed("re-authorized", connection)
        else:
            assert plan.create is not None  # noqa: S101 - an Exchange is for one or the other
            view = await self._create_connection(plan.create, tokens, plan.app)
            done = Completed("created", view.connection, view)
        if not await self.repo.claim(plan.pending_id, utcnow()):
            raise _state_error(
                Code.OAUTH_STATE_USED,
                "this authorization request was already used; start a new one",
            )
        emit(
            self.session,
            events.OAUTH_AUTHORIZED,
            object_type="data-connection",
            object_id=done.connection.id,
            tenant_id=done.connection.tenant_id,
            data={"dataSourceId": done.connection.data_source_id, "result": done.status},
            # the callback comes from a browser without credentials: the request's user
            actor=replace(current_actor(), user_id=self.principal.user_id),
        )
        await self.session.flush()
        return done

    # -- the pieces -----------------------------------------------------------------------
    def _source(self, data_source_id: str, *, field: str = "datasourceID") -> DataSource:
        source = get_data_source(data_source_id)
        if source is None or source.oauth is None:
            raise ValidationFailed(
                f"data source {data_source_id!r} does not use OAuth",
                field=field,
                code=Code.OAUTH_NOT_SUPPORTED,
            )
        return source

    async def _app_of(
        self, connection: Connection, source: DataSource, redirect_uri: str
    ) -> OAuthApp:
        properties = dict(connection.properties)
        if connection.credential_id:
            credentials = self.connections.credentials
            stored = await credentials.repo.get_any_owner(connection.credential_id)
            secret = credentials.open(stored).get("clientSecret") if stored else None
            if secret:
                properties["clientSecret"] = secret
        return resolve_app(source, properties, self.settings, redirect_uri)

    async def _begin(
        self, data_source_id: str, connection_id: str | None, app: OAuthApp, draft: dict[str, Any]
    ) -> str:
        verifier, challenge = new_pkce()
        state = secrets.token_urlsafe(32)
        now = utcnow()
        pending = OAuthAuthorization(
            id=new_uuid(),
            tenant_id=self.principal.tenant_id,
            user_id=self.principal.user_id,
            data_source_id=data_source_id,
            connection_id=connection_id,
            state_hash=_state_hash(state),
            redirect_uri=app.redirect_uri,
            created=now,
            expires_at=now + timedelta(seconds=self.settings.oauth_pending_ttl),
        )
        # A JWT's roles are not stored on its user: the callback acts with the starter's rights.
        started = {"verifier": verifier, "draft": draft, "admin": self.principal.is_admin}
        sealed = self.envelope.seal_json(started, aad=_aad(pending))
        pending.ciphertext, pending.wrapped_key = sealed.ciphertext, sealed.wrapped_key
        pending.key_id = sealed.key_id
        await self.repo.purge(now)
        await self.repo.add(pending)
        return app.authorization_request(state, challenge)

    def _open(self, pending: OAuthAuthorization) -> dict[str, Any]:
        """Refuse a used or expired request; open its sealed part (verifier and draft)."""
        if pending.used_at is not None:
            raise _state_error(
                Code.OAUTH_STATE_USED,
                "this authorization request was already used; start a new one",
            )
        if pending.expires_at <= utcnow():
            raise _state_error(
                Code.OAUTH_STATE_EXPIRED, "this authorization request expired; start a new one"
            )
        sealed = Sealed(pending.ciphertext, pending.wrapped_key, pending.key_id)
        try:
            opened: dict[str, Any] = self.envelope.open_json(sealed, aad=_aad(pending))
        except DecryptionError:
            raise _state_error(
                Code.OAUTH_STATE_UNKNOWN,
                "this authorization request cannot be read; start a new one",
            ) from None
        return opened


async def exchange(plan: Exchange, settings: Settings) -> TokenSet:
    """The call to the token endpoint (no session, no transaction)."""
    try:
        return await exchange_code(plan.app, plan.code, plan.verifier, settings)
    except GrantRejected as exc:
        raise BadRequest(
            f"the provider refused the authorization code ({exc.error}): it may be expired, "
            "used or issued for another request; start again",
            code=Code.OAUTH_CODE_REJECTED,
            meta={"field": "authCode"},
        ) from None
    except TokenEndpointFailed as exc:
        raise ServiceUnavailable(str(exc), code=Code.OAUTH_TOKEN_ENDPOINT_FAILED) from None
    except (OutboundRefused, HostNotFound) as exc:
        failure = classify(exc)
        raise BadRequest(
            failure.detail, code=failure.code, meta={"field": "connectionProperties.tokenUrl"}
        ) from None


def _merge(draft: dict[str, Any], posted: dict[str, Any]) -> dict[str, Any]:
    """The finishing request may restate but not change the OAuth app it was started with."""
    for name in APP_FIELDS:
        if name in posted and posted[name] != draft.get(name):
            raise ValidationFailed(
                f"{name} differs from the authorization request's; start again",
                field=f"connectionProperties.{name}",
                code=Code.OAUTH_SETTINGS_MISMATCH,
            )
    return {**draft, **posted}


async def complete_callback(
    unit: UnitOfWork,
    envelope: Envelope,
    settings: Settings,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
) -> Completed:
    """The provider's redirect: the state names the request, and the request the user."""
    if not state:
        raise _state_error(Code.OAUTH_STATE_UNKNOWN, "the callback needs the state parameter")
    async with unit.read() as session:
        pending = await AuthorizationRepository(session).by_state_hash(_state_hash(state))
        user = None
        if pending is not None:
            user = await UserRepository(session, pending.tenant_id).get(pending.user_id)
        if pending is None or user is None:
            raise _state_error(
                Code.OAUTH_STATE_UNKNOWN, "no authorization request matches this state"
            )
        principal = Principal(
            tenant_id=user.tenant_id,
            user_id=user.id,
            subject=user.subject,
            is_admin=user.is_admin,
            via="oauth-callback",
        )
        plan = await OAuthService(session, principal, envelope, settings).plan_callback(
            pending, code, error
        )
    tokens = await exchange(plan, settings)
    if plan.admin:
        principal = replace(principal, is_admin=True)
    return await OAuthService(unit.writing, principal, envelope, settings).finish(plan, tokens)


async def finish_create(
    unit: UnitOfWork,
    principal: Principal,
    envelope: Envelope,
    settings: Settings,
    body: DcaasConnectionCreate,
) -> ConnectionView:
    """A create with ``authCode``: plan, exchange, then create the connection."""
    async with unit.read() as session:
        plan = await OAuthService(session, principal, envelope, settings).plan_create(body)
    tokens = await exchange(plan, settings)
    done = await OAuthService(unit.writing, principal, envelope, settings).finish(plan, tokens)
    assert done.view is not None  # noqa: S101 - a create's plan creates
    return done.view


async def reauthorize_with_code(
    unit: UnitOfWork,
    principal: Principal,
    envelope: Envelope,
    settings: Settings,
    *,
    ref: str,
    code: str,
    by_name: bool = False,
) -> None:
    """Qlik's PATCH with ``qlik-auth-code``: plan, exchange, then store the new tokens."""
    async with unit.read() as session:
        service = OAuthService(session, principal, envelope, settings)
        plan = await service.plan_reauthorize(ref, code, by_name=by_name)
    tokens = await exchange(plan, settings)
    await OAuthService(unit.writing, principal, envelope, settings).finish(plan, tokens)
