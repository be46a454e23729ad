"""One implementation, two namespaces: /api/v1/data-* and /api/connectivity/data-*."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from tests.conftest import assert_error
from tests.security.matrix import build_matrix

from dcaas.deps import NO_UNIT_OF_WORK
from dcaas.namespaces import add_connectivity_aliases, canonical_path, connectivity_path

if TYPE_CHECKING:
    from tests.conftest import Api

V1, NEW = "/api/v1/data-connections", "/api/connectivity/data-connections"
REST = {"qName": "twin", "datasourceID": "rest", "connectionProperties": {"url": "https://e.com"}}


def _api_routes(app: Any) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute)]


def test_paths_map_both_ways() -> None:
    """Each data-* path has its twin; other paths have none; the twin maps back."""
    assert connectivity_path("/api/v1/data-sources/{dataSourceId}/gateways") == (
        "/api/connectivity/data-sources/{dataSourceId}/gateways"
    )
    assert connectivity_path("/api/v1/data-connections") == NEW
    assert connectivity_path("/api/v1/spaces") is None
    assert connectivity_path("/api/v1/data-connectionsX") is None
    assert canonical_path(NEW + "/{qID}") == V1 + "/{qID}"
    assert canonical_path("/api/v1/spaces") == "/api/v1/spaces"


async def test_every_data_route_has_a_twin_with_the_same_handler(api: Api) -> None:
    """Each /api/v1/data-* route is served under /api/connectivity by the same handler, unit
    of work and methods, and the twin stays out of the OpenAPI document."""
    routes = _api_routes(api.app)
    by_key = {(r.path, frozenset(r.methods or ())): r for r in routes}
    originals = [r for r in routes if connectivity_path(r.path)]
    assert len(originals) > 20
    for route in originals:
        twin = by_key[(str(connectivity_path(route.path)), frozenset(route.methods or ()))]
        assert twin.endpoint is route.endpoint
        assert twin.unit_of_work is route.unit_of_work  # type: ignore[attr-defined]
        assert twin.include_in_schema is False
    documented = api.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert not [p for p in documented if p.startswith("/api/connectivity/")]


def test_a_route_added_later_gets_its_twin() -> None:
    """A route a router gains (say /data-sources/{id}/gateways) needs no code of its own."""
    app = FastAPI()
    router = APIRouter(prefix="/api/v1/data-sources")

    @router.get("/{dataSourceId}/gateways", dependencies=[NO_UNIT_OF_WORK])
    async def gateways(dataSourceId: str) -> dict[str, str]:
        return {"id": dataSourceId}

    app.router.routes.extend(router.routes)
    add_connectivity_aliases(app)
    paths = {r.path for r in _api_routes(app)}
    assert "/api/connectivity/data-sources/{dataSourceId}/gateways" in paths


async def test_a_connection_made_in_one_namespace_is_read_in_the_other(api: Api) -> None:
    """Create under /api/connectivity, read and list under /api/v1, and the reverse."""
    made = await api.client.post(NEW, json=REST, headers=api.h(api.alice))
    assert made.status_code == 201, made.text
    qid = made.json()["qID"]
    got = await api.client.get(f"{V1}/{qid}", headers=api.h(api.alice))
    assert got.json()["qName"] == "twin"
    listed = await api.client.get(NEW, headers=api.h(api.alice))
    assert [c["qID"] for c in listed.json()["data"]] == [qid]
    gone = await api.client.delete(f"{NEW}/{qid}", headers=api.h(api.alice))
    assert gone.status_code == 204
    assert_error(await api.client.get(f"{V1}/{qid}", headers=api.h(api.alice)), 404)


async def test_paging_links_stay_in_the_namespace_called(api: Api) -> None:
    """links.next of a list called under /api/connectivity points under /api/connectivity."""
    for name in ("p1", "p2"):
        await api.client.post(NEW, json={**REST, "qName": name}, headers=api.h(api.alice))
    page = await api.client.get(NEW, params={"limit": 1}, headers=api.h(api.alice))
    assert page.json()["links"]["next"]["href"].startswith(f"http://testserver{NEW}?")


async def test_answers_carry_both_generations_of_names(api: Api) -> None:
    """created and createdAt, lastUpdated and updatedAt: each namespace's types find theirs."""
    made = (await api.client.post(NEW, json=REST, headers=api.h(api.alice))).json()
    assert made["createdAt"] == made["created"]
    listed = await api.client.get("/api/connectivity/data-sources", headers=api.h(api.alice))
    sources = listed.json()
    assert sources["updatedAt"] == sources["lastUpdated"]


async def test_owner_id_is_accepted_on_the_statement_form(api: Api) -> None:
    """ConnectionCreate's ``ownerId`` (connectivity) is accepted like ``owner`` (v1)."""
    body = {
        "qName": "owned",
        "datasourceID": "rest",
        "qType": "QvRestConnector.exe",
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://e.com;"',
        "ownerId": "some-app",
    }
    made = await api.client.post(NEW, json=body, headers=api.h(api.alice))
    assert made.status_code == 201, made.text


async def test_an_omitted_limit_follows_each_namespaces_text(api: Api) -> None:
    """Without ``limit``: /api/v1 answers all 21 connections at once (Qlik's v1 text), and
    /api/connectivity 20 and links.next (its text)."""
    for i in range(21):
        made = await api.client.post(
            NEW, json={**REST, "qName": f"n{i:02}"}, headers=api.h(api.alice)
        )
        assert made.status_code == 201, made.text
    everything = (await api.client.get(V1, headers=api.h(api.alice))).json()
    assert len(everything["data"]) == 21
    assert "next" not in everything["links"]
    first = (await api.client.get(NEW, headers=api.h(api.alice))).json()
    assert len(first["data"]) == 20
    rest = await api.client.get(first["links"]["next"]["href"], headers=api.h(api.alice))
    assert [c["qName"] for c in rest.json()["data"]] == ["n20"]


async def test_a_twin_refuses_a_console_session_without_its_csrf_token(api: Api) -> None:
    """The console's CSRF rule covers /api/connectivity as it covers /api/v1: 403 5020."""
    cookie = {"Cookie": (await build_matrix(api)).headers["session"]["Cookie"]}
    api.client.cookies.clear()
    for method, path in (("POST", NEW), ("PUT", "/api/connectivity/data-sources/rest/settings")):
        res = await api.client.request(method, path, headers=cookie, json={})
        assert_error(res, 403, "DCAAS-5020")
