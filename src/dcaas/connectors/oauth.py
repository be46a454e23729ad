"""OAuth 2.0 authorization-code data sources: a generic one, Google's and Microsoft's.

A connection of these sources is created in two steps (see :mod:`dcaas.oauth`): ``authUrlOnly``
answers an authorization URL; the code the provider hands back is exchanged for tokens, which
are kept in the connection's encrypted credential record under :data:`TOKEN_FIELDS`. Those
fields are not properties: a client can neither set nor read them.

The OAuth app (client id and secret) is the operator's (``DCAAS_OAUTH_CLIENTS``) or the
tenant's own (``clientId`` / ``clientSecret``). Endpoint overrides (``authorizationUrl``,
``tokenUrl``) need the tenant's own app, so an operator's client secret is only ever sent to
the operator's token endpoint.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from dcaas.connectors.spec import (
    ConnectorProperties,
    DataSource,
    OAuthEndpoints,
    destination,
    secret,
)

_HTTP_URL = r"^https?://\S+$"
# Where the tokens live inside the sealed credential payload (never in properties).
TOKEN_FIELDS = ("accessToken", "refreshToken", "expiresAt", "tokenType", "grantTokenUrl")
# Properties that define the OAuth app; a finishing request may not change them.
APP_FIELDS = ("clientId", "clientSecret", "authorizationUrl", "tokenUrl", "scopes")
# ConnectorContext.extra key: an ``async () -> str`` giving a fresh access token.
ACCESS_TOKEN = "oauth.access_token"  # noqa: S105 - a dictionary key, not a token


class OAuthRestProperties(ConnectorProperties):
    """Properties of an OAuth 2.0 (authorization code + PKCE) REST connection."""

    url: str = destination(
        min_length=1,
        max_length=8192,
        pattern=_HTTP_URL,
        description="URL of the API endpoint, called with the access token as a bearer token",
    )
    authorizationUrl: str | None = destination(
        None,
        max_length=2048,
        pattern=_HTTP_URL,
        description="Authorization endpoint; overrides the data source's or the operator's "
        "(needs your own clientId)",
    )
    tokenUrl: str | None = destination(
        None,
        max_length=2048,
        pattern=_HTTP_URL,
        description="Token endpoint; overrides the data source's or the operator's "
        "(needs your own clientId)",
    )
    scopes: str | None = Field(
        default=None, max_length=2048, description="Space-separated scopes to request"
    )
    clientId: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Your own OAuth app's client id; omit to use the operator's app",
    )
    clientSecret: str | None = secret(description="Your own OAuth app's client secret")

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()


def _oauth_source(source_id: str, name: str, endpoints: OAuthEndpoints) -> DataSource:
    return DataSource(
        id=source_id,
        name=name,
        provider="QvRestConnector.exe",
        provider_name="dcaas OAuth 2.0 REST",
        properties=OAuthRestProperties,
        capabilities=("oauth2", "test-connection", "browse", "preview"),
        qri_prefix="qri:rest://",
        qri_connection_template="{url}",
        qri_properties=("url",),
        connector="dcaas.connectors.drivers.oauth_rest:OAuthRestConnector",
        oauth=endpoints,
    )


OAUTH_REST = _oauth_source("oauth-rest", "REST (OAuth 2.0)", OAuthEndpoints())
GOOGLE_OAUTH = _oauth_source(
    "google-oauth",
    "Google API (OAuth 2.0)",
    OAuthEndpoints(
        authorization_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",  # noqa: S106 - a URL
        default_scopes="openid email",
        # Google issues a refresh token only with offline access and a fresh consent.
        authorize_params=(("access_type", "offline"), ("prompt", "consent")),
    ),
)
MICROSOFT_OAUTH = _oauth_source(
    "microsoft-oauth",
    "Microsoft Graph (OAuth 2.0)",
    OAuthEndpoints(
        authorization_url="https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token_url="https://login.microsoftonline.com/common/oauth2/v2.0/token",  # noqa: S106
        # offline_access is what makes Microsoft issue a refresh token.
        default_scopes="offline_access User.Read",
    ),
)
