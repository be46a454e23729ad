"""Gateways and DG_* sources: registered by admins, named by DG_* connections, run elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from tests import log_guard
from tests.conftest import assert_error
from tests.engine.test_release import FILTER, engine_key

from dcaas.connectors import all_data_sources, get_data_source
from dcaas.connectors.gateway import QLIK_IDS

CONNECTIONS = "/api/v1/data-connections"
GATEWAYS = "/api/v1/gateways"
PASSWORD = "dg-pw-4Rt8yUi2"
log_guard.remember(PASSWORD)


async def gateway(api: Any, name: str = "gw-east", sources: tuple[str, ...] = ("DG_postgres",)):
    body = {"name": name, "dataSources": list(sources), "default": True}
    r = await api.client.post(GATEWAYS, json=body, headers=api.h(api.admin))
    assert r.status_code == 201, r.text
    return r.json()


def dg_body(gateway_id: str, name: str = "pg-via-gw") -> dict[str, Any]:
    return {
        "qName": name,
        "datasourceID": "DG_postgres",
        "connectionProperties": {
            "host": "db.internal",
            "database": "sales",
            "username": "reader",
            "password": PASSWORD,
            "gatewayInstance": gateway_id,
        },
    }


@pytest.mark.parametrize("base", sorted(QLIK_IDS))
def test_dg_source_has_base_properties_and_gateway_instance(base: str) -> None:
    """DG_<x> has every property of x, plus gatewayInstance, required and a destination."""
    plain, dg = get_data_source(base), get_data_source(QLIK_IDS[base])
    assert plain is not None
    assert dg is not None
    assert set(dg.properties.model_fields) == {*plain.properties.model_fields, "gatewayInstance"}
    assert "gatewayInstance" in dg.properties.destination_fields()
    assert dg.properties.secret_fields() == plain.properties.secret_fields()
    spec = dg.api_spec()
    assert "gatewayInstance" in spec["required"]
    assert dg.connector is None


def test_every_dg_source_is_a_qlik_id() -> None:
    """The DG_* sources are those of Qlik's Direct Access list that dcaas has a base for."""
    ids = {s.id for s in all_data_sources() if s.id.startswith("DG_")}
    assert ids == set(QLIK_IDS.values())


async def test_gateways_of_a_source(api) -> None:
    """GET /data-sources/{id}/gateways lists the registered ones in Qlik's shape."""
    made = await gateway(api)
    r = await api.client.get(
        "/api/v1/data-sources/DG_postgres/gateways",
        params={"forceRefresh": "true"},
        headers=api.h(api.alice),
    )
    assert r.status_code == 200, r.text
    assert r.json()["gateways"] == [{"id": made["id"], "name": "gw-east", "default": True}]
    assert r.json()["refreshedAt"]
    other = await api.client.get("/api/v1/data-sources/DG_mysql/gateways", headers=api.h(api.alice))
    assert other.json()["gateways"] == []
    assert_error(
        await api.client.get("/api/v1/data-sources/rest/gateways", headers=api.h(api.alice)),
        404,
        "DCAAS-2002",
    )


async def test_only_admins_register_gateways(api) -> None:
    """A plain user cannot register or remove a gateway; names are unique; sources are DG_*."""
    body = {"name": "gw", "dataSources": ["DG_postgres"]}
    assert_error(await api.client.post(GATEWAYS, json=body, headers=api.h(api.alice)), 403)
    made = await gateway(api, "gw")
    dup = await api.client.post(GATEWAYS, json=body, headers=api.h(api.admin))
    assert_error(dup, 409, "DCAAS-2043")
    bad = {"name": "gw2", "dataSources": ["postgresql"]}
    assert_error(await api.client.post(GATEWAYS, json=bad, headers=api.h(api.admin)), 400)
    gone = await api.client.delete(f"{GATEWAYS}/{made['id']}", headers=api.h(api.alice))
    assert_error(gone, 403)
    gone = await api.client.delete(f"{GATEWAYS}/{made['id']}", headers=api.h(api.admin))
    assert gone.status_code == 204


async def test_gateways_of_another_tenant_are_unseen(api) -> None:
    """Another tenant neither lists this tenant's gateways nor names one in a connection."""
    made = await gateway(api)
    listed = await api.client.get(GATEWAYS, headers=api.h(api.mallory))
    assert listed.json()["data"] == []
    r = await api.client.post(CONNECTIONS, json=dg_body(made["id"]), headers=api.h(api.mallory))
    assert_error(r, 400, "DCAAS-2042")


async def test_dg_connection_needs_a_registered_gateway(api) -> None:
    """gatewayInstance must name a gateway registered for the connection's source."""
    r = await api.client.post(CONNECTIONS, json=dg_body("no-such"), headers=api.h(api.alice))
    error = assert_error(r, 400, "DCAAS-2042")
    assert error["meta"]["field"] == "connectionProperties.gatewayInstance"
    mysql_only = await gateway(api, "gw-mysql", ("DG_mysql",))
    r = await api.client.post(CONNECTIONS, json=dg_body(mysql_only["id"]), headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-2042")
    made = await gateway(api)
    r = await api.client.post(CONNECTIONS, json=dg_body(made["id"]), headers=api.h(api.alice))
    assert r.status_code == 201, r.text
    assert PASSWORD not in r.text


async def test_patch_to_an_unregistered_gateway_is_refused(api) -> None:
    """Moving a DG_* connection to an unknown gateway is refused; to another registered one
    without the secrets is refused by the boundary (gatewayInstance is a destination)."""
    made = await gateway(api)
    other = await gateway(api, "gw-west")
    r = await api.client.post(CONNECTIONS, json=dg_body(made["id"]), headers=api.h(api.alice))
    conn = r.json()["id"]
    path = "/connectionProperties/gatewayInstance"
    ops = [{"op": "replace", "path": path, "value": "nowhere"}]
    r = await api.client.patch(f"{CONNECTIONS}/{conn}", json=ops, headers=api.h(api.alice))
    assert r.status_code == 400, r.text
    ops = [{"op": "replace", "path": path, "value": other["id"]}]
    r = await api.client.patch(f"{CONNECTIONS}/{conn}", json=ops, headers=api.h(api.alice))
    assert_error(r, 400, "DCAAS-1014")
    ops += [
        {"op": "replace", "path": "/connectionProperties/password", "value": PASSWORD},
        {"op": "replace", "path": "/connectionProperties/username", "value": "reader"},
    ]
    r = await api.client.patch(f"{CONNECTIONS}/{conn}", json=ops, headers=api.h(api.alice))
    assert r.status_code == 204, r.text
    rename = [{"op": "replace", "path": "/qName", "value": "renamed"}]
    await api.client.delete(f"{GATEWAYS}/{made['id']}", headers=api.h(api.admin))
    r = await api.client.patch(f"{CONNECTIONS}/{conn}", json=rename, headers=api.h(api.alice))
    assert r.status_code == 204, r.text  # a change that leaves the gateway is not re-checked


async def test_probes_of_a_dg_connection_say_they_run_on_the_gateway(api) -> None:
    """Test, browse and preview of a DG_* connection answer DCAAS-6020, calling nothing."""
    made = await gateway(api)
    r = await api.client.post(CONNECTIONS, json=dg_body(made["id"]), headers=api.h(api.alice))
    conn = r.json()["id"]
    for method, path in (
        ("POST", f"{CONNECTIONS}/{conn}/actions/test"),
        ("GET", f"{CONNECTIONS}/{conn}/browse"),
        ("GET", f"{CONNECTIONS}/{conn}/preview"),
    ):
        r = await api.client.request(method, path, headers=api.h(api.alice))
        error = assert_error(r, 400, "DCAAS-6020")
        assert "gateway" in error["detail"]
    r = await api.client.post(
        f"{CONNECTIONS}/actions/test", json=dg_body(made["id"], "x"), headers=api.h(api.alice)
    )
    assert_error(r, 400, "DCAAS-6020")


async def test_engine_release_of_a_dg_connection(api) -> None:
    """The engine endpoint releases a DG_* connection with its gateway in the statement."""
    made = await gateway(api)
    r = await api.client.post(CONNECTIONS, json=dg_body(made["id"]), headers=api.h(api.alice))
    conn = r.json()["id"]
    engine = await engine_key(api, "alice")
    r = await api.client.post(FILTER, json={"connectionId": conn}, headers=api.h(engine))
    assert r.status_code == 201, r.text
    instance = r.json()["connection"]
    assert instance["password"] == PASSWORD
    assert f"gatewayInstance={made['id']}" in instance["connectionString"]
    assert "sourceType=DG_postgres" in instance["connectionString"]
