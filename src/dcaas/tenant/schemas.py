"""/api/v1/users in Qlik's shapes (`@qlik/api` 2.19 `users`: User, Users, UserCount)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dcaas.kit.schemas import Href, Link, StrictModel, TopLevelLinks


class AssignedRole(BaseModel):
    id: str
    level: Literal["admin", "user"]
    name: str
    type: Literal["default", "custom"] = "default"


class UserOut(BaseModel):
    id: str
    name: str = Field(description="Display name: the JWT's name claim, else the subject")
    email: str | None = None
    subject: str = Field(description="The API-key user's name, or the JWT subject")
    tenantId: str
    status: Literal["active"] = "active"
    createdAt: str
    lastUpdatedAt: str
    assignedRoles: list[AssignedRole]
    links: Link


class Users(BaseModel):
    data: list[UserOut]
    links: TopLevelLinks
    totalResults: int | None = Field(
        default=None, description="Only when the request asks for it with totalResults=true"
    )


class UserFilter(StrictModel):
    """The body of POST /api/v1/users/actions/filter (Qlik's `Filter`)."""

    filter: str | None = Field(default=None, max_length=2000)


class UserCount(BaseModel):
    total: int


__all__ = ["AssignedRole", "Href", "UserCount", "UserFilter", "UserOut", "Users"]
