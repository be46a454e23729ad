from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dcaas.kit.schemas import StrictModel
from dcaas.space.models import Role


class SpaceCreate(StrictModel):
    name: str = Field(min_length=1, max_length=256)
    type: Literal["shared", "managed"] = "shared"
    description: str = Field(default="", max_length=1024)


class SpaceUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    description: str | None = Field(default=None, max_length=1024)


class SpaceOut(BaseModel):
    id: str
    type: str
    name: str
    description: str
    ownerId: str
    tenantId: str
    createdAt: str
    updatedAt: str


class Spaces(BaseModel):
    data: list[SpaceOut]


class AssignmentCreate(StrictModel):
    type: Literal["user"] = "user"
    assigneeId: str = Field(min_length=1, max_length=64)
    roles: list[Role] = Field(min_length=1, max_length=4)


class AssignmentOut(BaseModel):
    id: str
    type: str = "user"
    assigneeId: str
    roles: list[str]
    spaceId: str
    tenantId: str
    createdAt: str


class Assignments(BaseModel):
    data: list[AssignmentOut]
