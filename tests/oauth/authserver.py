"""A real OAuth 2.0 authorization server on loopback, built from authlib's server components.

It enforces PKCE (S256 required), exact redirect URIs and client authentication
(client_secret_post or client_secret_basic); it issues short-lived access tokens and rotating
refresh tokens (a used refresh token is revoked), can revoke every grant, counts token
requests, and serves a protected API at ``/api/me`` that checks the bearer token.

The authorization endpoint approves at once for one fixed user: the consent a person would
give in a browser. Tests play the user agent: they GET the authorization URL and read the
``code`` from the redirect's ``Location``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from tests import log_guard
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from collections.abc import Iterable

_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _issued(prefix: str) -> str:
    """A new token, registered for the end-of-run check that no secret was logged."""
    token = prefix + secrets.token_urlsafe(24)
    log_guard.remember(token)
    return token


@dataclass
class User:
    id: str

    def get_user_id(self) -> str:
        return self.id


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str = "read write"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in _AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float = field(default_factory=lambda: time.time() + 300)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    access_token: str
    refresh_token: str | None
    client_id: str
    scope: str
    user: User
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> Any:
        return self.client_id


class Store:
    """The server's state, shared by its request threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthCode] = {}
        self.tokens: list[Token] = []
        self.token_requests: Counter[str] = Counter()
        self.access_lifetime = 3600
        self.refresh_delay = 0.0  # seconds a refresh takes (to widen race windows)

    def by_access(self, value: str) -> Token | None:
        with self.lock:
            return next((t for t in self.tokens if t.access_token == value), None)

    def by_refresh(self, value: str) -> Token | None:
        with self.lock:
            return next((t for t in self.tokens if t.refresh_token == value), None)

    def revoke_all(self) -> None:
        """The user withdraws consent at the provider: every token stops working."""
        with self.lock:
            for token in self.tokens:
                token.revoked = True


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    store: Store

    def save_authorization_code(self, code: str, request: Any) -> None:
        log_guard.remember(code)
        data = request.payload.data
        self.store.codes[code] = AuthCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            user=request.user,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthCode | None:
        item = self.store.codes.get(code)
        if item and item.client_id == client.client_id and item.expires_at > time.time():
            return item
        return None

    def delete_authorization_code(self, authorization_code: AuthCode) -> None:
        self.store.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthCode) -> User:
        return authorization_code.user


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    store: Store

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = self.store.by_refresh(refresh_token)
        time.sleep(self.store.refresh_delay)
        return token if token is not None and not token.revoked else None

    def authenticate_user(self, refresh_token: Token) -> User:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        refresh_token.revoked = True


class _StrictPkce(CodeChallenge):
    """PKCE with S256 for every client (authlib's ``required`` covers public clients only)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required")
        super().validate_code_challenge(grant, redirect_uri)


class _Validator(BearerTokenValidator):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.store.by_access(token_string)


def build_app(store: Store, paths: Iterable[tuple[str, str]] = ()) -> Flask:
    """The provider's app; ``paths``: more (authorization, token) paths it serves, for a
    data source whose endpoints are paths under a host the user chooses (Salesforce)."""
    app = Flask("test-oauth-provider")

    def save_token(token: dict[str, Any], req: Any) -> None:
        with store.lock:
            store.tokens.append(
                Token(
                    access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    client_id=req.client.client_id,
                    scope=token.get("scope", ""),
                    user=req.user,
                    expires_in=int(token["expires_in"]),
                )
            )

    server = AuthorizationServer(app, query_client=store.clients.get, save_token=save_token)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda *_a, **_k: _issued("at-"),
            refresh_token_generator=lambda *_a, **_k: _issued("rt-"),
            expires_generator=lambda _client, _grant: store.access_lifetime,
        ),
    )
    for grant in (_CodeGrant, _RefreshGrant):
        grant.store = store
    server.register_grant(_CodeGrant, [_StrictPkce(required=True)])
    server.register_grant(_RefreshGrant)
    protect = ResourceProtector()
    protect.register_token_validator(_Validator(store))

    @app.get("/authorize")
    def authorize() -> Any:
        user = User("provider-user")
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as error:  # a bad client, redirect URI or PKCE challenge
            return server.handle_error_response(None, error)
        return server.create_authorization_response(grant_user=user, grant=grant)

    @app.post("/token")
    def token() -> Any:
        with store.lock:
            store.token_requests[request.form.get("grant_type", "")] += 1
        return server.create_token_response()

    @app.get("/api/me")
    @protect()
    def me() -> Any:
        return jsonify({"user": current_token.user.id, "scope": current_token.scope})

    for authorize_path, token_path in paths:
        app.add_url_rule(authorize_path, f"authorize {authorize_path}", authorize)
        app.add_url_rule(token_path, f"token {token_path}", token, methods=["POST"])
    return app


class AuthServer:
    """The provider, serving on 127.0.0.1 on a free port in a thread until stopped."""

    def __init__(self, paths: Iterable[tuple[str, str]] = ()) -> None:
        self.store = Store()
        app = build_app(self.store, paths)
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> Client:
        client = Client(client_id, client_secret, [redirect_uri])
        self.store.clients[client_id] = client
        return client
