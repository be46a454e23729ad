from __future__ import annotations

from pydantic import BaseModel, Field

from dcaas.kit.schemas import StrictModel


class SignIn(StrictModel):
    apiKey: str = Field(min_length=1, max_length=512, description="A dcaas API key (dcaas_...)")


class Me(BaseModel):
    """Who is signed in, and the CSRF token to send with every state-changing call."""

    userId: str
    subject: str
    tenantId: str
    tenantName: str
    isAdmin: bool
    via: str = Field(description="api_key or oidc: how this session was signed in")
    expiresAt: str
    csrfToken: str = Field(description="Send as X-CSRF-Token on POST, PUT, PATCH and DELETE")


class SingleSignOn(BaseModel):
    enabled: bool
    name: str


class ConsoleConfig(BaseModel):
    """What the sign-in page needs before anyone is signed in."""

    version: str
    singleSignOn: SingleSignOn
