"""A real OpenID Connect provider on loopback, built from authlib's server components.

Authorization code with PKCE (S256 required) and a nonce; ID tokens signed RS256 with a key
made at start and published at ``/jwks``; a discovery document at
``/.well-known/openid-configuration``. The authorization endpoint approves at once for the
user set in ``store.user`` (the consent a person would give); tests play the browser.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.models import ClientMixin
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class User:
    id: str
    claims: dict[str, Any] = field(default_factory=dict)

    def get_user_id(self) -> str:
        return self.id


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in {"openid", "profile", "email"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    expires_at: float = field(default_factory=lambda: time.time() + 300)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(time.time())


@dataclass
class Store:
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    user: User = field(default_factory=lambda: User("sso-user"))


def build_app(store: Store) -> Flask:  # noqa: C901 - authlib's grant classes close over the store
    app = Flask("test-oidc-provider")

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]  # noqa: RUF012 - authlib's attribute

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            store.codes[code] = AuthCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                user=request.user,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                nonce=data.get("nonce"),
            )

        def query_authorization_code(self, code: str, client: Client) -> AuthCode | None:
            item = store.codes.get(code)
            if item and item.client_id == client.client_id and item.expires_at > time.time():
                return item
            return None

        def delete_authorization_code(self, authorization_code: AuthCode) -> None:
            store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: AuthCode) -> User:
            return authorization_code.user

    class StrictPkce(CodeChallenge):
        SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's attribute

        def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
            if grant.request.payload.data.get("code_challenge_method") != "S256":
                raise InvalidRequestError("PKCE with S256 is required")
            super().validate_code_challenge(grant, redirect_uri)

    class IdTokens(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return any(c.nonce == nonce for c in store.codes.values())

        def resolve_client_private_key(self, client: Client) -> RSAKey:
            return store.key

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": "RS256", "kid": "k1"}

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            return {"iss": store.issuer, "aud": [client.client_id]}

        def generate_user_info(self, user: User, scope: str) -> UserInfo:
            return UserInfo(sub=user.id, **user.claims)

    server = AuthorizationServer(
        app, query_client=store.clients.get, save_token=lambda _token, _request: None
    )
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda *_a, **_k: "at-" + secrets.token_urlsafe(16),
            expires_generator=lambda _client, _grant: 3600,
        ),
    )
    server.register_grant(CodeGrant, [StrictPkce(required=True), IdTokens(require_nonce=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return jsonify(
            {
                "issuer": store.issuer,
                "authorization_endpoint": store.issuer + "/authorize",
                "token_endpoint": store.issuer + "/token",
                "jwks_uri": store.issuer + "/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    @app.get("/jwks")
    def jwks() -> Any:
        return jsonify({"keys": [store.key.as_dict(private=False)]})

    @app.get("/authorize")
    def authorize() -> Any:
        try:
            grant = server.get_consent_grant(end_user=store.user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_authorization_response(grant_user=store.user, grant=grant)

    @app.post("/token")
    def token() -> Any:
        return server.create_token_response()

    return app


class OidcProvider:
    """The provider on 127.0.0.1, on a free port, in a thread until the context ends."""

    def __init__(self) -> None:
        self.store = Store()
        self._server = make_server("127.0.0.1", 0, build_app(self.store), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self.store.issuer = self.issuer
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.store.clients[client_id] = Client(client_id, client_secret, [redirect_uri])
