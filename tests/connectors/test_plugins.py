"""Connector plugins through real entry points: the demo plugin package is installed with
pip (tests/plugins/installer.py) and found by ``importlib.metadata``; its broken entry
points must not break the catalog."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from tests.conftest import assert_error, running_api
from tests.plugins.installer import plugin_on_path

from dcaas.connectors import all_data_sources, get_data_source
from dcaas.connectors.registry import BUILTINS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from tests.conftest import Api

SQL_BODY = {
    "qName": "demo",
    "datasourceID": "demo-sql",
    "connectionProperties": {
        "host": "db.example.com",
        "port": 5432,
        "database": "shop",
        "username": "u",
        "password": "Demo-Secret-7",
    },
}


@pytest.fixture
def plugin(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING, logger="dcaas.connectors.registry")
    with plugin_on_path():
        yield


@pytest.fixture
async def api(plugin: None, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api("sqlite", tmp_path) as running:
        yield running


def test_good_plugins_join_and_bad_ones_are_skipped(plugin: None) -> None:
    """The echo and SQL plugins join every built-in; the broken, foreign and duplicate
    entry points are left out."""
    ids = [s.id for s in all_data_sources()]
    assert set(BUILTINS) <= set(ids)
    assert {"demo-echo", "demo-sql"} <= set(ids)
    assert get_data_source("postgresql") is BUILTINS["postgresql"]  # not the duplicate


def test_each_bad_entry_point_is_logged_once(
    plugin: None, caplog: pytest.LogCaptureFixture
) -> None:
    """However often the catalog is read, each skipped entry point is logged once."""
    for _ in range(3):
        all_data_sources()
        get_data_source("demo-echo")
    messages = [r.getMessage() for r in caplog.records]
    for name in ("demo-broken", "demo-not-a-source", "demo-duplicate"):
        assert sum(f"plugin {name} " in m for m in messages) == 1, name


async def test_unavailable_driver_is_listed_creatable_and_named_on_test(api: Api) -> None:
    """A source whose driver is missing is listed unavailable, creates, and its test fails
    at the driver step with DCAAS-6016 naming what to install."""
    res = await api.client.get(
        "/api/v1/data-sources", params={"dataSourceId": "demo-sql"}, headers=api.h(api.alice)
    )
    availability = res.json()["dataSources"][0]["dcaasAvailability"]
    assert availability["available"] is False
    assert availability["install"] == "pip install dcaas-demo-driver"

    res = await api.client.post("/api/v1/data-connections", json=SQL_BODY, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    conn = res.json()["qID"]
    res = await api.client.post(
        f"/api/v1/data-connections/{conn}/actions/test", headers=api.h(api.alice)
    )
    steps = res.json()["steps"]
    assert [(s["name"], s["status"]) for s in steps[:2]] == [
        ("driver", "failed"),
        ("resolve-host", "skipped"),
    ]
    assert steps[0]["code"] == "DCAAS-6016"
    assert "pip install dcaas-demo-driver" in steps[0]["detail"]
    res = await api.client.get(f"/api/v1/data-connections/{conn}/browse", headers=api.h(api.alice))
    assert_error(res, 503, "DCAAS-6016")


async def test_built_in_sources_name_their_extra(api: Api) -> None:
    """Every SQL source with an optional driver names its dcaas extra."""
    res = await api.client.get("/api/v1/data-sources", headers=api.h(api.alice))
    listed = {s["dataSourceId"]: s for s in res.json()["dataSources"]}
    assert listed["snowflake"]["dcaasAvailability"] == {"available": True, "extra": "snowflake"}
    assert listed["snowflake"]["dataSourcePropertyName"] == "driver"
    assert listed["rest"]["dcaasAvailability"] == {"available": True}
