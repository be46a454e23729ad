"""Spaces and their assignments (who has which roles in a shared space)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dcaas_client.models.common import ApiModel, Etagged, RequestModel

Role = Literal["producer", "facilitator", "consumer", "dataconsumer"]


class SpaceCreate(RequestModel):
    name: str
    type: Literal["shared", "managed"] | None = None
    description: str | None = None


class SpaceUpdate(RequestModel):
    name: str | None = None
    description: str | None = None


class Space(Etagged):
    id: str
    type: str
    name: str
    description: str = ""
    ownerId: str | None = None
    tenantId: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None


class Spaces(ApiModel):
    data: list[Space]


class AssignmentCreate(RequestModel):
    assigneeId: str
    roles: list[Role] = Field(min_length=1)
    type: Literal["user"] = "user"


class Assignment(ApiModel):
    id: str
    assigneeId: str
    roles: list[str]
    spaceId: str | None = None
    tenantId: str | None = None
    type: str = "user"
    createdAt: str | None = None


class Assignments(ApiModel):
    data: list[Assignment]
