"""Data credentials: metadata only; secret values never come back."""

from __future__ import annotations

from pydantic import Field

from dcaas_client.models.common import ApiModel, Etagged, Link, Meta, PageLinks, RequestModel


class Credential(Etagged):
    qID: str
    qName: str
    qType: str | None = None
    qConnCount: int | None = None
    datasourceID: str | None = None
    qSeparated: int | None = None
    user: str | None = None
    created: str | None = None
    updated: str | None = None
    links: Link | None = None


class Credentials(ApiModel):
    data: list[Credential]
    meta: Meta | None = None
    links: PageLinks = Field(default_factory=PageLinks)


class CredentialUpdate(RequestModel):
    """PUT: replaces a credential's name, user name and password."""

    qName: str
    qType: str
    qUsername: str = Field(repr=False)
    qPassword: str = Field(repr=False)
    qID: str | None = None
    connectionId: str | None = None
    datasourceID: str | None = None


class OrphanFilter(RequestModel):
    qType: str | None = None
    datasourceID: str | None = None
    qSeparated: int | None = None


class OrphanCredential(ApiModel):
    qID: str
    qName: str
    qType: str | None = None
    datasourceID: str | None = None
    user: str | None = None
    tenant: str | None = None
    created: str | None = None
    updated: str | None = None


class OrphanCredentials(ApiModel):
    data: list[OrphanCredential]
    count: int
