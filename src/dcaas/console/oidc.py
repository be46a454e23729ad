"""Single sign-on for the console: OpenID Connect's authorization-code flow with PKCE (S256).

Nothing about a sign-in in progress is stored: the browser holds a random *binder* in a
short-lived HttpOnly cookie, and the ``state``, the PKCE verifier and the ``nonce`` are
derived from it, so only the browser that started a sign-in can finish it. The ID token is
verified against the issuer's published keys (signature, issuer, audience, expiry, nonce)
and mapped to a tenant and a user with the same claims as JWT bearer tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import urlencode

import httpx
import jwt

from dcaas.auth.tokens import Claims, text_claim
from dcaas.errors import BadRequest, Code, NotFound, Unauthorized

if TYPE_CHECKING:
    from dcaas.config import Settings

CALLBACK_PATH = "/api/v1/console/oidc/callback"
BINDER_COOKIE = "dcaas_oidc"
BINDER_SECONDS = 600
_DISCOVERY_SECONDS = 3600
_ADMIN_ROLES = {"TenantAdmin", "admin", "tenant_admin"}  # as for JWT bearer tokens
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


def _derive(binder: str, purpose: str) -> str:
    digest = hmac.new(binder.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def failed(detail: str) -> Unauthorized:
    return Unauthorized(f"single sign-on failed: {detail}", code=Code.OIDC_SIGN_IN_FAILED)


@dataclass(frozen=True)
class Provider:
    """What the issuer's discovery document says."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class OidcClient:
    """One per app: caches the issuer's discovery document and keys."""

    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._provider: tuple[float, Provider] | None = None
        self._keys: jwt.PyJWKSet | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.oidc_issuer and self.settings.oidc_client_id)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=10.0, transport=self._transport)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._client() as client:
                response = await client.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise failed(f"the identity provider did not answer ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise failed("the identity provider answered something other than a JSON object")
        return body

    async def provider(self) -> Provider:
        if not self.enabled:
            raise NotFound("single sign-on is not configured", code=Code.OIDC_NOT_CONFIGURED)
        if self._provider and self._provider[0] > time.monotonic():
            return self._provider[1]
        issuer = str(self.settings.oidc_issuer).rstrip("/")
        doc = await self._get_json(issuer + "/.well-known/openid-configuration")
        try:
            found = Provider(
                issuer=str(doc["issuer"]),
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
            )
        except KeyError as exc:
            raise failed(f"the discovery document lacks {exc}") from None
        if found.issuer.rstrip("/") != issuer:
            raise failed("the discovery document names another issuer")
        self._provider = (time.monotonic() + _DISCOVERY_SECONDS, found)
        return found

    @staticmethod
    def new_binder() -> str:
        return secrets.token_urlsafe(32)

    async def authorization_url(self, binder: str, redirect_uri: str) -> str:
        provider = await self.provider()
        params = {
            "response_type": "code",
            "client_id": str(self.settings.oidc_client_id),
            "redirect_uri": redirect_uri,
            "scope": self.settings.oidc_scopes,
            "state": _derive(binder, "state"),
            "nonce": _derive(binder, "nonce"),
            "code_challenge": _challenge(_derive(binder, "pkce")),
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in provider.authorization_endpoint else "?"
        return provider.authorization_endpoint + separator + urlencode(params)

    async def finish(self, binder: str | None, state: str, code: str, redirect_uri: str) -> Claims:
        """Check the state against this browser's binder, redeem the code, verify the ID token."""
        if not binder or not hmac.compare_digest(state, _derive(binder, "state")):
            raise BadRequest(
                "this sign-in was not started in this browser, or it expired; start again",
                code=Code.OIDC_SIGN_IN_FAILED,
            )
        provider = await self.provider()
        id_token = await self._redeem(provider, code, _derive(binder, "pkce"), redirect_uri)
        claims = await self._verify(provider, id_token)
        if not hmac.compare_digest(str(claims.get("nonce", "")), _derive(binder, "nonce")):
            raise failed("the ID token's nonce does not match this sign-in")
        return self._identity(claims)

    async def _redeem(self, provider: Provider, code: str, verifier: str, redirect_uri: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": str(self.settings.oidc_client_id),
            "code_verifier": verifier,
        }
        if self.settings.oidc_client_secret is not None:
            form["client_secret"] = self.settings.oidc_client_secret.get_secret_value()
        try:
            async with self._client() as client:
                response = await client.post(provider.token_endpoint, data=form)
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise failed(f"the token endpoint did not answer ({type(exc).__name__})") from None
        if response.status_code != 200 or not isinstance(body, dict):  # noqa: PLR2004
            error = body.get("error") if isinstance(body, dict) else None
            raise failed(f"the token endpoint refused the code ({error or response.status_code})")
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            raise failed("the token endpoint sent no ID token (is 'openid' among the scopes?)")
        return id_token

    async def _key(self, provider: Provider, token: str) -> Any:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise failed("the ID token is malformed") from None
        for refresh in (False, True):
            if self._keys is None or refresh:
                self._keys = jwt.PyJWKSet.from_dict(await self._get_json(provider.jwks_uri))
            for key in self._keys.keys:
                if kid is None or key.key_id == kid:
                    return key.key
        raise failed("the ID token is signed with a key the issuer does not publish")

    async def _verify(self, provider: Provider, token: str) -> dict[str, Any]:
        key = await self._key(provider, token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=_ALGORITHMS,
                audience=str(self.settings.oidc_client_id),
                issuer=provider.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise failed(f"the ID token is not valid ({exc})") from None
        return claims

    def _identity(self, claims: dict[str, Any]) -> Claims:
        s = self.settings
        tenant_claim = s.oidc_tenant_claim or s.jwt_tenant_claim
        user_claim = s.oidc_user_claim or s.jwt_user_claim
        tenant, subject = claims.get(tenant_claim), claims.get(user_claim)
        if not _usable(tenant, 64) or not _usable(subject, 256):
            raise failed(f"the ID token lacks a usable {tenant_claim!r} or {user_claim!r} claim")
        role = claims.get(s.oidc_admin_claim or s.jwt_admin_claim)
        return Claims(
            tenant=tenant,
            subject=subject,
            is_admin=_admin(role),
            expires=float(claims["exp"]),
            name=text_claim(claims.get("name"), 256),
            email=text_claim(claims.get("email"), 320),
        )


def _usable(value: object, max_length: int) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= max_length and "\x00" not in value


def _admin(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value in _ADMIN_ROLES
    if isinstance(value, list):
        return any(isinstance(v, str) and v in _ADMIN_ROLES for v in value)
    return False
