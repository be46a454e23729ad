"""The connector conformance suite: every data source in the catalog, built-in or plugin.

Generated from ``all_data_sources()`` (with the demo plugin installed for real, see
tests/plugins/installer.py), so a new connector gets these tests without writing any:

* its api-spec is valid JSON Schema, with ``writeOnly`` on every secret;
* create, then GET (with and without parseConnection) and list never show a secret;
* ``parseConnection`` round-trips, and so does the connect statement;
* browse answers the paging contract's errors before it calls the source;
* pointed at a closed port it fails fast, as ``unreachable``;
* pointed at a refused address (loopback, under the default policy) it fails at
  ``resolve-host``;
* every failure it reports has a code from the failure table.

Host-based cases are skipped, with the reason, for sources whose spec names no network
destination, that sign in through OAuth first, or whose driver is not installed.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator
from tests.conftest import assert_error, running_api
from tests.connectors.conformance import network_fields, sample
from tests.connectors.sql.helpers import closed_port
from tests.plugins.installer import plugin_on_path

from dcaas.connection import statement
from dcaas.connectors import all_data_sources, get_data_source
from dcaas.connectors.base import ConnectorContext, StepFailed, Steps
from dcaas.connectors.failures import TABLE
from dcaas.connectors.gateway import is_gateway_source
from dcaas.connectors.spec import SECRET_MARK
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from tests.conftest import Api

    from dcaas.connectors.spec import DataSource

with plugin_on_path():
    SOURCE_IDS = [s.id for s in all_data_sources()]
TABLE_CODES = {str(rule.code) for rule in TABLE}
URL = "/api/v1/data-connections"


@pytest.fixture(scope="module", autouse=True)
def _with_plugin() -> Iterator[None]:
    with plugin_on_path():
        yield


@pytest.fixture(params=SOURCE_IDS)
def source(request: pytest.FixtureRequest) -> DataSource:
    found = get_data_source(request.param)
    assert found is not None, f"{request.param} left the catalog"
    return found


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api("sqlite", tmp_path) as running:
        yield running


def _needs_network(source: DataSource) -> tuple[Any, dict[str, Any]]:
    if source.connector is None:
        pytest.skip(f"{source.id} has no connector here (a DG_* source runs on its gateway)")
    made = sample(source)
    availability = source.availability()
    if not availability.available:
        pytest.skip(f"{source.id}: {availability.reason} (its test fails at 'driver')")
    if source.uses_oauth(made.properties):
        pytest.skip(f"{source.id} signs in through OAuth before it reaches the network")
    where = network_fields(source)
    if where is None:
        pytest.skip(f"{source.id}'s spec names no host, port or URL (x-destination)")
    return where, made.properties


async def _steps(source: DataSource, props: dict[str, Any], policy: OutboundPolicy) -> Steps:
    split = source.validate(props)
    cls = source.connector_class()
    assert cls is not None, f"{source.id} has no connector"
    context = ConnectorContext(
        outbound=policy, connect_timeout=2, total_timeout=10, max_preview_bytes=1000
    )
    connector = cls(source.join(split.public, split.secrets), context)
    steps = Steps()
    try:
        async with asyncio.timeout(10):
            await connector.test(steps)
    except StepFailed:
        pass
    finally:
        await connector.aclose()
    return steps


def _failed(steps: Steps) -> Any:
    failed = [r for r in steps.results if r.status == "failed"]
    assert failed, "the test passed against nothing"
    for result in failed:
        assert result.code in TABLE_CODES, f"{result.code} is not from the failure table"
        assert result.failure_class != "internal"
    return failed[0]


def test_spec_is_json_schema_with_write_only_secrets(source: DataSource) -> None:
    """The api-spec is valid JSON Schema; secrets are writeOnly; the sample validates."""
    spec = source.api_spec()
    Draft202012Validator.check_schema(spec)
    for name, prop in spec["properties"].items():
        if prop.get(SECRET_MARK):
            assert prop.get("writeOnly") is True, name
    made = sample(source)
    source.validate(made.properties)
    assert not Draft202012Validator(spec).is_valid({"noSuchProperty": 1})


async def test_secrets_never_shown_and_parse_connection_round_trips(
    source: DataSource, api: Api
) -> None:
    """Create, GET, GET with parseConnection and list show no secret; both forms
    round-trip."""
    made = sample(source)
    if source.uses_oauth(made.properties):
        pytest.skip(f"{source.id} connections are made through the OAuth flow (tests/oauth)")
    if is_gateway_source(source.id):  # a DG_* connection names a registered gateway
        gateway = {"name": "conformance", "dataSources": [source.id]}
        made_gw = await api.client.post("/api/v1/gateways", json=gateway, headers=api.h(api.admin))
        made.properties["gatewayInstance"] = made_gw.json()["id"]
    body = {"qName": f"conf-{source.id}", "datasourceID": source.id}
    res = await api.client.post(
        URL, json={**body, "connectionProperties": made.properties}, headers=api.h(api.alice)
    )
    assert res.status_code == 201, res.text
    texts = [res.text]
    conn = res.json()["qID"]
    got = await api.client.get(f"{URL}/{conn}?parseConnection=true", headers=api.h(api.alice))
    texts += [got.text, (await api.client.get(URL, headers=api.h(api.alice))).text]
    texts.append((await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))).text)
    for marker in made.secrets.values():
        assert all(marker not in text for text in texts)

    public = source.validate(made.properties).public
    assert got.json()["connectionProperties"] == public
    text = got.json()["qConnectStatement"]
    assert f"{source.source_property}={source.id};" in text

    again = {**body, "qName": f"conf2-{source.id}", "qType": source.provider}
    res = await api.client.post(
        URL, json={**again, "qConnectStatement": text}, headers=api.h(api.alice)
    )
    assert res.status_code == 201, res.text
    back = await api.client.get(
        f"{URL}/{res.json()['qID']}?parseConnection=true", headers=api.h(api.alice)
    )
    assert back.json()["qConnectStatement"] == text
    parsed = statement.parse(text)
    assert parsed is not None
    assert parsed.source_type == source.id
    secrets = {k: v for k, v in made.properties.items() if k in made.secrets}
    assert source.validate({**back.json()["connectionProperties"], **secrets}).public == public


async def test_browse_refuses_bad_paging_before_calling_the_source(
    source: DataSource, api: Api
) -> None:
    """A forged page cursor and limits out of range are 400s; the source is not called."""
    if is_gateway_source(source.id):
        pytest.skip("DG_* connections are browsed on their gateway (tests/engine/test_gateways)")
    made = sample(source)
    if source.uses_oauth(made.properties):
        pytest.skip(f"{source.id} connections are made through the OAuth flow (tests/oauth)")
    body = {"qName": f"page-{source.id}", "datasourceID": source.id}
    res = await api.client.post(
        URL, json={**body, "connectionProperties": made.properties}, headers=api.h(api.alice)
    )
    conn = res.json()["qID"]
    for params, code in (
        ({"page": "not-a-cursor"}, "DCAAS-1006"),
        ({"limit": 0}, None),
        ({"limit": 1001}, None),
    ):
        res = await api.client.get(f"{URL}/{conn}/browse", params=params, headers=api.h(api.alice))
        assert_error(res, 400, code)


async def test_closed_port_fails_fast_as_unreachable(source: DataSource) -> None:
    """Nothing listening: a step fails as unreachable within seconds, code from the table."""
    where, props = _needs_network(source)
    started = time.monotonic()
    steps = await _steps(
        source, where.pointed(props, closed_port()), OutboundPolicy.parse("127.0.0.1/32")
    )
    assert time.monotonic() - started < 8
    assert _failed(steps).failure_class == "unreachable"


async def test_refused_address_fails_at_resolve_host(source: DataSource) -> None:
    """Loopback under the default policy is refused before any connection (DCAAS-6002)."""
    where, props = _needs_network(source)
    steps = await _steps(source, where.pointed(props, 5432), OutboundPolicy())
    failed = _failed(steps)
    assert (failed.name, failed.code) == ("resolve-host", "DCAAS-6002")
