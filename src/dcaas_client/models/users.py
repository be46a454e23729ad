"""The users of the caller's tenant (/api/v1/users, Qlik's users API, read-only)."""

from __future__ import annotations

from pydantic import Field

from dcaas_client.models.common import ApiModel, PageLinks


class AssignedRole(ApiModel):
    id: str
    name: str
    level: str | None = None
    type: str | None = None


class User(ApiModel):
    id: str
    name: str
    subject: str
    email: str | None = None
    tenantId: str | None = None
    status: str = "active"
    createdAt: str | None = None
    lastUpdatedAt: str | None = None
    assignedRoles: list[AssignedRole] = Field(default_factory=list)


class Users(ApiModel):
    data: list[User]
    links: PageLinks = Field(default_factory=PageLinks)
    totalResults: int | None = None
