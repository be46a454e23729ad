"""/api/v1/gateways: the Direct Access gateways a tenant admin registers for DG_* sources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from dcaas.deps import Body, Caller, Read, Write, parse
from dcaas.engine.presenter import gateway_out
from dcaas.engine.schemas import GatewayCreate, GatewayOut, Gateways
from dcaas.engine.service import OperatorService
from dcaas.idempotency import IDEMPOTENT
from dcaas.kit.http import json_body_doc
from dcaas.unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/api/v1/gateways", tags=["gateways"])


@router.get("", response_model=Gateways)
async def list_gateways(db: Read, caller: Caller) -> Any:
    """The tenant's gateways."""
    return Gateways(
        data=[gateway_out(g) for g in await OperatorService(db, caller).list_gateways()]
    )


@router.post(
    "",
    dependencies=[IDEMPOTENT],
    status_code=201,
    response_model=GatewayOut,
    openapi_extra=json_body_doc(GatewayCreate),
)
async def add_gateway(data: Body, db: Write, caller: Caller) -> Any:
    """Register a gateway and the DG_* data sources it serves (tenant admins)."""
    body = parse(GatewayCreate, data)
    gateway = await OperatorService(db, caller).add_gateway(
        name=body.name, data_sources=body.dataSources, default=body.default
    )
    return gateway_out(gateway)


@router.delete("/{gatewayId}", status_code=204, response_class=Response)
async def remove_gateway(gatewayId: str, db: Write, caller: Caller) -> Response:
    """Forget a gateway (tenant admins); connections naming it can no longer be saved."""
    await OperatorService(db, caller).remove_gateway(gatewayId)
    return Response(status_code=204)
