"""``actions/update``: rename, move and re-own connections, one status per item."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.errors import Code, DcaasError, Forbidden, NotFound
from dcaas.space.repository import SpaceRepository
from dcaas.tenant.repository import UserRepository

if TYPE_CHECKING:
    from dcaas.connection.schemas import BulkUpdateItem
    from dcaas.connection.service import ConnectionService


async def bulk_update(
    service: ConnectionService, items: list[BulkUpdateItem]
) -> list[tuple[str, int, DcaasError | None]]:
    service.principal.require_admin("a bulk update (Qlik: only available to Admin)")
    results: list[tuple[str, int, DcaasError | None]] = []
    for item in items:
        try:
            async with service.session.begin_nested():
                await _update_one(service, item)
            results.append((item.id, 204, None))
        except DcaasError as exc:
            results.append((item.id, exc.status, exc))
    return results


async def _update_one(service: ConnectionService, item: BulkUpdateItem) -> None:
    connection = await service.manageable(item.id)
    principal = service.principal
    if item.ownerId and item.ownerId != connection.owner_id:  # the caller is an admin
        owner = await UserRepository(service.session, principal.tenant_id).get(item.ownerId)
        if owner is None:
            raise NotFound(f"user {item.ownerId} not found", code=Code.USER_NOT_FOUND)
        connection.owner_id = owner.id
    if item.spaceId is not None:
        if item.spaceId == "":
            personal = await SpaceRepository(service.session, principal.tenant_id).personal_of(
                connection.owner_id
            )
            if personal is None:
                raise NotFound("the owner has no personal space", code=Code.SPACE_NOT_FOUND)
            if personal.owner_id != principal.user_id and not principal.is_admin:
                raise Forbidden("you may not move connections into another user's personal space")
            connection.space_id = personal.id
        else:
            connection.space_id = (await service.access.space_for_write(item.spaceId)).id
    if item.name:
        connection.name = item.name
    # Name, space and owner decide no destination; restated through the boundary all the same,
    # so that whatever bulk updates may change later is checked by the one rule.
    await service.restate(connection)
    await service.check_name(connection, exclude_id=connection.id)
    await service.save(connection)
