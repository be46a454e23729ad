"""/api/v1/spaces and their assignments, in Qlik's shapes (a subset)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from dcaas.deps import Body, Caller, Read, Write, parse
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import json_body_doc
from dcaas.kit.time import iso
from dcaas.space.models import Space, SpaceMember
from dcaas.space.schemas import (
    AssignmentCreate,
    AssignmentOut,
    Assignments,
    SpaceCreate,
    SpaceOut,
    Spaces,
    SpaceUpdate,
)
from dcaas.space.service import SpaceService
from dcaas.tenant.service import find_user
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/spaces", tags=["spaces"])


def _space(s: Space) -> SpaceOut:
    return SpaceOut(
        id=s.id,
        type=s.type,
        name=s.name,
        description=s.description,
        ownerId=s.owner_id,
        tenantId=s.tenant_id,
        createdAt=iso(s.created),
        updatedAt=iso(s.updated),
    )


def _assignment(m: SpaceMember) -> AssignmentOut:
    return AssignmentOut(
        id=m.id,
        assigneeId=m.user_id,
        roles=list(m.roles),
        spaceId=m.space_id,
        tenantId=m.tenant_id,
        createdAt=iso(m.created),
    )


@router.get("", response_model=Spaces)
async def list_spaces(
    db: Read, caller: Caller, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> Any:
    """The caller's personal space and the shared spaces they belong to (all, for admins)."""
    return Spaces(data=[_space(s) for s in await SpaceService(db, caller).list(limit)])


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=SpaceOut,
    openapi_extra=json_body_doc(SpaceCreate),
)
async def create_space(data: Body, db: Write, caller: Caller) -> Any:
    """Create a shared space; the caller owns it."""
    body = parse(SpaceCreate, data)
    space = await SpaceService(db, caller).create(
        name=body.name, type_=body.type, description=body.description
    )
    return _space(space)


@router.get("/{spaceId}", response_model=SpaceOut)
async def get_space(spaceId: str, db: Read, caller: Caller) -> Any:
    """One space the caller may see."""
    return _space(await SpaceService(db, caller).get(spaceId))


@router.patch("/{spaceId}", response_model=SpaceOut, openapi_extra=json_body_doc(SpaceUpdate))
async def update_space(spaceId: str, data: Body, db: Write, caller: Caller) -> Any:
    """Rename a shared space or change its description."""
    body = parse(SpaceUpdate, data)
    space = await SpaceService(db, caller).update(
        spaceId, name=body.name, description=body.description
    )
    return _space(space)


@router.delete("/{spaceId}", status_code=204, response_class=Response)
async def delete_space(spaceId: str, db: Write, caller: Caller) -> Response:
    """Delete an empty shared space."""
    await SpaceService(db, caller).delete(spaceId)
    return Response(status_code=204)


@router.get("/{spaceId}/assignments", response_model=Assignments)
async def list_assignments(spaceId: str, db: Read, caller: Caller) -> Any:
    """Members of a space and their roles."""
    return Assignments(
        data=[_assignment(m) for m in await SpaceService(db, caller).assignments(spaceId)]
    )


@router.post(
    "/{spaceId}/assignments",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=AssignmentOut,
    openapi_extra=json_body_doc(AssignmentCreate),
)
async def assign(spaceId: str, data: Body, db: Write, caller: Caller) -> Any:
    """Give a user roles in a shared space (producer, facilitator: manage; consumer: use)."""
    body = parse(AssignmentCreate, data)
    # Qlik's clients send an id; people may also give the user's name or e-mail.
    user = await find_user(db, caller.tenant_id, body.assigneeId, field="assigneeId")
    member = await SpaceService(db, caller).assign(
        spaceId, user=user, roles=[str(r) for r in body.roles]
    )
    return _assignment(member)


@router.delete("/{spaceId}/assignments/{assignmentId}", status_code=204, response_class=Response)
async def unassign(spaceId: str, assignmentId: str, db: Write, caller: Caller) -> Response:
    """Remove a user's roles from a space."""
    await SpaceService(db, caller).unassign(spaceId, assignmentId)
    return Response(status_code=204)
