"""The OAuth app of a connection, and the calls to the provider's token endpoint.

Error texts never include what a provider answered beyond its standard ``error`` code:
providers echo request parameters, and those hold codes, verifiers and client secrets.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx

from dcaas.connectors.drivers.http import outbound_client
from dcaas.errors import Code, ValidationFailed
from dcaas.observability.in_use import note_secret, secrets_in_use

if TYPE_CHECKING:
    from dcaas.config import OAuthClient, Settings
    from dcaas.connectors.spec import DataSource

CALLBACK_PATH = "/api/v1/oauth/callback"
_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")
_SECRET_FORM_FIELDS = frozenset({"code", "code_verifier", "refresh_token", "client_secret"})


class GrantRejected(Exception):
    """The token endpoint refused the grant (``invalid_grant``, ``invalid_client`` ...)."""

    def __init__(self, error: str) -> None:
        self.error = error if _ERROR_CODE.match(error) else "invalid_request"
        super().__init__(f"the token endpoint answered {self.error}")


class TokenEndpointFailed(Exception):
    """The token endpoint could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class OAuthApp:
    """Everything needed to talk to one provider for one connection."""

    client_id: str
    client_secret: str | None
    authorization_url: str
    token_url: str
    scopes: str
    redirect_uri: str
    authorize_params: tuple[tuple[str, str], ...] = ()
    token_auth: str = "client_secret_post"  # noqa: S105 - a method name

    def authorization_request(self, state: str, code_challenge: str) -> str:
        params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("state", state),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
        ]
        if self.scopes:
            params.append(("scope", self.scopes))
        params.extend(self.authorize_params)
        separator = "&" if "?" in self.authorization_url else "?"
        return self.authorization_url + separator + urlencode(params)


def resolve_app(
    source: DataSource, properties: dict[str, Any], settings: Settings, redirect_uri: str
) -> OAuthApp:
    """The app from the connection's own client id, or else the operator's configuration."""
    defaults = source.oauth
    if defaults is None:
        raise ValidationFailed(
            f"data source {source.id!r} does not use OAuth",
            field="datasourceID",
            code=Code.OAUTH_NOT_SUPPORTED,
        )
    operator = settings.oauth_clients.get(source.id)
    client_id, client_secret = _client(source, properties, operator)
    op_auth = operator.authorizationUrl if operator else None
    op_token = operator.tokenUrl if operator else None
    base = base_url(source, properties)
    auth_url = (
        properties.get("authorizationUrl") or op_auth or _under(base, defaults.authorization_url)
    )
    token_url = properties.get("tokenUrl") or op_token or _under(base, defaults.token_url)
    for name, value in (("authorizationUrl", auth_url), ("tokenUrl", token_url)):
        if not value:
            raise ValidationFailed(
                f"{name} is required for data source {source.id!r}",
                field=f"connectionProperties.{name}",
            )
    return OAuthApp(
        client_id=client_id,
        client_secret=client_secret,
        authorization_url=str(auth_url),
        token_url=str(token_url),
        scopes=str(properties.get("scopes") or defaults.default_scopes),
        redirect_uri=(operator.redirectUri if operator and operator.redirectUri else redirect_uri),
        authorize_params=defaults.authorize_params,
        token_auth=defaults.token_auth,
    )


def base_url(source: DataSource, properties: dict[str, Any]) -> str | None:
    """The base URL a source's OAuth paths are under (its property, else that default)."""
    name = source.oauth.base_url_property if source.oauth else None
    if name is None:
        return None
    value = properties.get(name) or source.properties.model_fields[name].default
    return str(value).rstrip("/") if value else None


def _under(base: str | None, url: str | None) -> str | None:
    return base + url if base and url else url


def _trusted_base(source: DataSource, properties: dict[str, Any]) -> bool:
    base = base_url(source, properties)
    if base is None or source.oauth is None:
        return True
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(
        host.endswith(t) if t.startswith(".") else host == t for t in source.oauth.trusted_hosts
    )


def _client(
    source: DataSource, properties: dict[str, Any], operator: OAuthClient | None
) -> tuple[str, str | None]:
    """The tenant's own client id and secret, or the operator's."""
    own_id = properties.get("clientId")
    if own_id:
        secret = properties.get("clientSecret")
        return str(own_id), str(secret) if secret else None
    if operator is not None and not _trusted_base(source, properties):
        name = source.oauth.base_url_property if source.oauth else "url"
        # The operator's secret goes only to the provider's own hosts.
        raise ValidationFailed(
            f"{name} is not one of {source.name}'s own hosts: it can be used only together "
            "with your own clientId",
            field=f"connectionProperties.{name}",
            code=Code.OAUTH_CLIENT_NOT_CONFIGURED,
        )
    if operator is None:
        raise ValidationFailed(
            f"no OAuth app is configured for {source.id!r}: give clientId and clientSecret, or "
            "ask the operator to configure one (DCAAS_OAUTH_CLIENTS)",
            field="connectionProperties.clientId",
            code=Code.OAUTH_CLIENT_NOT_CONFIGURED,
        )
    for name in ("authorizationUrl", "tokenUrl", "clientSecret"):
        if properties.get(name):
            # The operator's secret goes only to the operator's token endpoint.
            raise ValidationFailed(
                f"{name} can be given only together with your own clientId",
                field=f"connectionProperties.{name}",
                code=Code.OAUTH_CLIENT_NOT_CONFIGURED,
            )
    secret = operator.clientSecret
    return operator.clientId, secret.get_secret_value() if secret else None


def new_pkce() -> tuple[str, str]:
    """A code verifier (RFC 7636: 43 to 128 characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: float | None
    token_type: str


async def exchange_code(app: OAuthApp, code: str, verifier: str, settings: Settings) -> TokenSet:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
    }
    return await _token_request(app, form, settings)


async def refresh(app: OAuthApp, refresh_token: str, settings: Settings) -> TokenSet:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _token_request(app, form, settings)


async def _token_request(app: OAuthApp, form: dict[str, str], settings: Settings) -> TokenSet:
    url = httpx.URL(app.token_url)
    auth: httpx.BasicAuth | None = None
    form = {**form, "client_id": app.client_id}
    if app.client_secret and app.token_auth == "client_secret_basic":  # noqa: S105
        auth = httpx.BasicAuth(app.client_id, app.client_secret)
    elif app.client_secret:
        form["client_secret"] = app.client_secret
    # Scrubbed from log lines: what we send, and the tokens we get back (see _parse).
    with secrets_in_use([v for k, v in form.items() if k in _SECRET_FORM_FIELDS]):
        return await _post(app, url, form, auth, settings)


async def _post(
    app: OAuthApp,
    url: httpx.URL,
    form: dict[str, str],
    auth: httpx.BasicAuth | None,
    settings: Settings,
) -> TokenSet:
    if app.client_secret:
        note_secret(app.client_secret)
    # The policy-checked client resolves, checks and connects to the checked address only.
    client = outbound_client(
        settings.outbound,
        connect_timeout=settings.connector_connect_timeout,
        total_timeout=settings.connector_total_timeout,
        follow_redirects=False,
    )
    try:
        async with asyncio.timeout(settings.connector_total_timeout), client as http:
            response = await http.post(
                url,
                data=form,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
    except (httpx.HTTPError, TimeoutError):
        raise TokenEndpointFailed("the token endpoint could not be reached in time") from None
    return _parse(response)


def _parse(response: httpx.Response) -> TokenSet:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TokenEndpointFailed(
            f"the token endpoint answered HTTP {response.status_code} without a JSON object"
        )
    if response.status_code in (400, 401) and isinstance(body.get("error"), str):
        raise GrantRejected(body["error"])
    access = body.get("access_token")
    if response.status_code != 200 or not isinstance(access, str) or not access:  # noqa: PLR2004
        raise TokenEndpointFailed(
            f"the token endpoint answered HTTP {response.status_code} without an access token"
        )
    expires_in = body.get("expires_in")
    try:
        expires_at = time.time() + float(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        expires_at = None
    refresh_token = body.get("refresh_token")
    note_secret(access)
    note_secret(refresh_token if isinstance(refresh_token, str) else None)
    return TokenSet(
        access_token=access,
        refresh_token=refresh_token if isinstance(refresh_token, str) else None,
        expires_at=expires_at,
        token_type=str(body.get("token_type") or "Bearer"),
    )
