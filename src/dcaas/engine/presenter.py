"""Engine rows into their answer shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dcaas.engine.schemas import EndpointInstanceRef, GatewayOut, ReleaseOut
from dcaas.kit.time import iso

if TYPE_CHECKING:
    from dcaas.datasource.models import Gateway
    from dcaas.engine.models import EngineEndpoint, EngineRelease


def endpoint_ref(e: EngineEndpoint) -> EndpointInstanceRef:
    return EndpointInstanceRef(
        id=e.id, dataSourceId=e.data_source_id, url=e.url, isPodUrl=e.is_pod_url
    )


def release_out(r: EngineRelease) -> ReleaseOut:
    return ReleaseOut(
        id=r.id,
        created=iso(r.created),
        userId=r.user_id,
        subject=r.subject,
        via=r.via,
        askedBy=r.asked_by,
        connectionId=r.connection_id,
        connectionName=r.connection_name,
        dataSourceId=r.data_source_id,
        reloadId=r.reload_id,
        outcome="released" if r.outcome == "released" else "refused",
        code=r.code,
    )


def gateway_out(g: Gateway) -> GatewayOut:
    return GatewayOut(
        id=g.id,
        name=g.name,
        dataSources=list(g.data_sources),
        default=g.is_default,
        created=iso(g.created),
    )
