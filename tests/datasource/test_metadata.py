"""The data-source list's metadata: qriDefinition, uiInfo (includeui), connectorNodes
(detail), updatedAt; checked against Qlik's data-sources.json shapes too."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/connectivity/data-sources"


async def test_ui_info_and_connector_nodes_only_when_asked(api: Api) -> None:
    """Without includeui/detail neither is present; with them each source has uiInfo and the
    nodes name every source once."""
    plain = (await api.client.get(URL, headers=api.h(api.alice))).json()
    assert "connectorNodes" not in plain
    assert all("uiInfo" not in s for s in plain["dataSources"])
    full = await api.client.get(
        URL, params={"includeui": "true", "detail": "true"}, headers=api.h(api.alice)
    )
    body = full.json()
    assert all(s["uiInfo"]["connectUrl"].endswith("/connections/new") for s in body["dataSources"])
    cached = [i for node in body["connectorNodes"] for i in node["cachedDataSources"]]
    assert sorted(cached) == sorted(s["dataSourceId"] for s in plain["dataSources"])
    assert {n["state"] for n in body["connectorNodes"]} <= {"READY", "DRIVER_MISSING"}


async def test_qri_definition_describes_the_qri_answers_carry(api: Api) -> None:
    """A REST connection's qri is qriPrefix + connectionPart filled from its properties."""
    listed = await api.client.get(URL, params={"dataSourceId": "rest"}, headers=api.h(api.alice))
    definition = listed.json()["dataSources"][0]["qriDefinition"]
    assert definition["connectionPart"] == {"template": "{url}", "properties": ["url"]}
    assert definition["pathPart"]["prefix"] == "#"
    made = await api.client.post(
        "/api/v1/data-connections",
        json={"qName": "q", "datasourceID": "rest", "connectionProperties": {"url": "https://h/x"}},
        headers=api.h(api.alice),
    )
    assert made.json()["qri"] == definition["qriPrefix"] + "https://h/x"
