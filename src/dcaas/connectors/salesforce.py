"""Salesforce (Qlik's ``sfdc``): OAuth 2.0 authorization code with PKCE, then its REST API.

The login host is a property: ``https://login.salesforce.com`` (production, the default),
``https://test.salesforce.com`` (sandboxes), or the org's My Domain
(``https://<name>.my.salesforce.com``). The OAuth endpoints are under it
(``/services/oauth2/authorize`` and ``/token``). The operator's connected app
(``DCAAS_OAUTH_CLIENTS["sfdc"]``) is used only with Salesforce's own hosts; another login
host needs the connection's own ``clientId``. Qlik has not published ``sfdc``'s properties:
these are dcaas's.
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

LOGIN = "https://login.salesforce.com"
# Where Salesforce's login hosts and instances live (My Domains, sandboxes, government cloud).
SALESFORCE_HOSTS = (
    "login.salesforce.com",
    "test.salesforce.com",
    ".my.salesforce.com",
    ".salesforce.com",
    ".force.com",
    ".salesforce.mil",
    ".cloudforce.com",
)


class SalesforceProperties(ConnectorProperties):
    """Properties of a Salesforce connection."""

    loginUrl: str = destination(
        LOGIN,
        max_length=2048,
        pattern=r"^https?://[^/?#\s]+/?$",
        description="Login host: https://login.salesforce.com (production), "
        "https://test.salesforce.com (sandbox) or your My Domain "
        "(https://<name>.my.salesforce.com)",
    )
    apiVersion: str | None = Field(
        default=None,
        pattern=r"^v?\d{2,3}\.\d$",
        description="REST API version such as 62.0; empty for the newest the org offers",
    )
    scopes: str | None = Field(
        default=None,
        max_length=2048,
        description="Space-separated scopes; default api refresh_token openid",
    )
    clientId: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Your own connected app's consumer key; omit to use the operator's app",
    )
    clientSecret: str | None = secret(description="Your own connected app's consumer secret")

    required_credentials: ClassVar[tuple[tuple[str, ...], ...]] = ()


SALESFORCE = DataSource(
    id="sfdc",
    name="Salesforce",
    provider="QvSalesforceConnector.exe",
    provider_name="dcaas Salesforce (properties are dcaas's; Qlik has not published them)",
    properties=SalesforceProperties,
    version="1.0.0",
    capabilities=("oauth2", "test-connection", "browse", "preview"),
    qri_prefix="qri:sfdc://",
    qri_connection_template="{loginUrl}",
    qri_properties=("loginUrl",),
    connector="dcaas.connectors.drivers.salesforce:SalesforceConnector",
    oauth=OAuthEndpoints(
        authorization_url="/services/oauth2/authorize",
        token_url="/services/oauth2/token",  # noqa: S106 - a path
        default_scopes="api refresh_token openid",
        base_url_property="loginUrl",
        trusted_hosts=SALESFORCE_HOSTS,
    ),
)
