"""/api/v1/data-sources/endpoints (the engine endpoints and their records), /api/v1/gateways."""

from __future__ import annotations

from dcaas_client._call import Call, create_headers, model, nothing, query, seg
from dcaas_client.models.engine import (
    EndpointCreate,
    EndpointRef,
    EndpointRelease,
    EndpointRequest,
    Endpoints,
    Gateway,
    GatewayCreate,
    Gateways,
    ReleaseRecords,
    SourceGateways,
)

ENDPOINTS = "/api/v1/data-sources/endpoints"
GATEWAYS = "/api/v1/gateways"


def endpoints_list() -> Call[Endpoints]:
    return Call("GET", ENDPOINTS, model(Endpoints))


def endpoint_add(body: EndpointCreate, idempotency_key: str | None) -> Call[EndpointRef]:
    return Call(
        "POST",
        ENDPOINTS,
        model(EndpointRef),
        json=body.body(),
        headers=create_headers(idempotency_key),
    )


def endpoint_remove(endpoint_id: str) -> Call[None]:
    return Call("DELETE", f"{ENDPOINTS}/{seg(endpoint_id)}", nothing)


def release(body: EndpointRequest) -> Call[EndpointRelease]:
    return Call("POST", f"{ENDPOINTS}/actions/filter", model(EndpointRelease), json=body.body())


def releases(connection_id: str | None, limit: int | None) -> Call[ReleaseRecords]:
    params = query(connectionId=connection_id, limit=limit)
    return Call("GET", f"{ENDPOINTS}/releases", model(ReleaseRecords), params=params)


def gateways_list() -> Call[Gateways]:
    return Call("GET", GATEWAYS, model(Gateways))


def gateway_add(body: GatewayCreate, idempotency_key: str | None) -> Call[Gateway]:
    return Call(
        "POST", GATEWAYS, model(Gateway), json=body.body(), headers=create_headers(idempotency_key)
    )


def gateway_remove(gateway_id: str) -> Call[None]:
    return Call("DELETE", f"{GATEWAYS}/{seg(gateway_id)}", nothing)


def source_gateways(data_source_id: str, force_refresh: bool) -> Call[SourceGateways]:
    return Call(
        "GET",
        f"/api/v1/data-sources/{seg(data_source_id)}/gateways",
        model(SourceGateways),
        params=query(forceRefresh=force_refresh or None),
    )
