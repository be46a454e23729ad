"""An Azure connection against Azurite through the API, the SDK and the CLI; and the catalog's
new file sources (S3 v1, Azure, ADLS) created from their documented properties."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from tests.cli.conftest import Cli
from tests.connectors.drivers.azurite import ACCOUNT, KEY, Azurite
from tests.connectors.drivers.test_azure import put
from tests.live import Live, live_dcaas

from dcaas_client import Client, PropertiesConnectionCreate

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import Api

URL = "/api/v1/data-connections"
SECRET = "c2VjcmV0LWtleS1mb3ItdGhlLWNhdGFsb2ctdGVzdHM="
# Each new source's documented properties (README), with what parseConnection must give back.
DOCUMENTED = {
    "File_AmazonS3Connector": {
        "accessKey": "AKIAEXAMPLE",
        "secretKey": SECRET,
        "region": "eu-west-1",
        "bucketName": "bucket-name",
    },
    "AmazonS3Connector": {"accessKey": "AKIAEXAMPLE", "secretKey": SECRET, "bucketName": "b-1"},
    "File_AzureStorageConnector": {
        "accountName": "acme",
        "containerName": "sales",
        "authType": "accountKey",
        "accountKey": SECRET,
    },
    "AzureStorageConnector": {"accountName": "acme", "authType": "sasToken", "sasToken": SECRET},
    "File_AzureDataLakeStorageGen2Connector": {
        "accountName": "acme",
        "fileSystem": "lake",
        "authType": "servicePrincipal",
        "tenantId": "contoso.onmicrosoft.com",
        "clientId": "00000000-0000-0000-0000-000000000001",
        "clientSecret": SECRET,
    },
    "AzureDataLakeStorageGen2Connector": {
        "accountName": "acme",
        "fileSystem": "lake",
        "accountKey": SECRET,
    },
}
SECRETS = {"accessKey", "secretKey", "accountKey", "sasToken", "clientSecret"}


def azure_props(azurite: Azurite, container: str) -> dict[str, Any]:
    return {
        "accountName": ACCOUNT,
        "accountKey": KEY,
        "endpointUrl": azurite.endpoint,
        "containerName": container,
    }


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
@pytest.mark.parametrize("source", sorted(DOCUMENTED))
async def test_documented_properties_create_and_round_trip(api: Api, source: str) -> None:
    """Each new source creates from its documented properties; parseConnection gives them back
    without the secret, which the api-spec marks x-secret."""
    props = DOCUMENTED[source]
    body = {"qName": f"doc {source}", "datasourceID": source, "connectionProperties": props}
    made = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert made.status_code == 201, made.text
    got = await api.client.get(
        f"{URL}/{made.json()['qID']}",
        params={"parseConnection": "true"},
        headers=api.h(api.alice),
    )
    public = {k: v for k, v in props.items() if k not in SECRETS}
    assert public.items() <= got.json()["connectionProperties"].items()
    assert SECRET not in made.text + got.text
    spec = await api.client.get(
        f"/api/v1/data-sources/{source}/api-specs", headers=api.h(api.alice)
    )
    schema = spec.json()["connectionProperties"]["properties"]
    assert {k for k in props if schema[k].get("x-secret")} == SECRETS & set(props)


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
async def test_missing_credential_for_the_auth_type_is_refused(api: Api) -> None:
    """authType sasToken without a sasToken is a 400 naming the property, and creates nothing."""
    props = {"accountName": "acme", "authType": "sasToken", "accountKey": SECRET}
    body = {
        "qName": "x",
        "datasourceID": "File_AzureStorageConnector",
        "connectionProperties": props,
    }
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 400
    assert "sasToken" in res.json()["errors"][0]["detail"]


async def _saved(api: Api, azurite: Azurite, container: str) -> str:
    body = {
        "qName": "blob",
        "datasourceID": "File_AzureStorageConnector",
        "connectionProperties": azure_props(azurite, container),
    }
    made = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert made.status_code == 201, made.text
    return str(made.json()["qID"])


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
@pytest.mark.settings(outbound_allow="127.0.0.1/32")
async def test_azure_test_browse_preview_through_the_api(
    api: Api, azurite: Azurite, azure_container: str
) -> None:
    """A saved Azure connection passes test, browses, and previews JSON as typed rows."""
    put(azurite, azure_container, {"d/orders.json": b'{"items": [{"id": 1}, {"id": 2}]}'})
    qid = await _saved(api, azurite, azure_container)
    h = api.h(api.alice)
    tested = await api.client.post(f"{URL}/{qid}/actions/test", headers=h)
    assert [s["status"] for s in tested.json()["steps"]] == ["passed"] * 4, tested.text
    browsed = await api.client.get(f"{URL}/{qid}/browse", params={"path": "d"}, headers=h)
    assert [i["path"] for i in browsed.json()["data"]] == ["d/orders.json"]
    shown = await api.client.get(
        f"{URL}/{qid}/preview", params={"path": "d/orders.json"}, headers=h
    )
    assert (shown.json()["rows"], shown.json()["types"]) == ([[1], [2]], ["integer"])


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
async def test_loopback_azure_endpoint_refused_without_outbound_allow(
    api: Api, azurite: Azurite, azure_container: str
) -> None:
    """Without DCAAS_OUTBOUND_ALLOW the Azurite endpoint is refused: resolve-host and browse."""
    qid = await _saved(api, azurite, azure_container)
    tested = await api.client.post(f"{URL}/{qid}/actions/test", headers=api.h(api.alice))
    assert tested.json()["steps"][0]["code"] == "DCAAS-6002"
    browsed = await api.client.get(f"{URL}/{qid}/browse", headers=api.h(api.alice))
    assert browsed.json()["errors"][0]["code"] == "DCAAS-6002"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """dcaas whose connectors may reach 127.0.0.1, where Azurite listens."""
    with live_dcaas(
        tmp_path_factory.mktemp("dcaas"),
        outbound_allow="127.0.0.1/32",
        connector_total_timeout=10.0,
    ) as server:
        yield server


def test_azure_through_the_sdk(live: Live, azurite: Azurite, azure_container: str) -> None:
    """Through the SDK: create, test (all passed), browse a folder, preview NDJSON as rows."""
    put(azurite, azure_container, {"d/e.ndjson": b'{"a": 1}\n{"a": 2}\n'})
    with Client(live.url, live.alice) as sdk:
        made = sdk.connections.create(
            PropertiesConnectionCreate(
                qName="blob-sdk",
                datasourceID="File_AzureStorageConnector",
                connectionProperties=azure_props(azurite, azure_container),
            )
        )
        result = sdk.connections.test(made.qID)
        assert [s.status for s in result.steps] == ["passed"] * 4
        entries = list(sdk.connections.iter_browse(made.qID, "d", limit=10))
        assert [(e.path, e.type, e.size) for e in entries] == [("d/e.ndjson", "file", 18)]
        preview = sdk.connections.preview(made.qID, "d/e.ndjson", limit=10)
        assert (preview.kind, preview.columns, preview.types) == ("rows", ["a"], ["integer"])
        assert preview.rows == [[1], [2]]


def test_azure_through_the_cli(
    live: Live,
    azurite: Azurite,
    azure_container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through the CLI: create, test (exit 0), browse and preview a gzipped CSV as rows."""
    import gzip  # noqa: PLC0415

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    put(azurite, azure_container, {"t.csv.gz": gzip.compress(b"id,name\n1,a\n2,b\n")})
    cli = Cli(live, live.alice)
    sets = [
        a for k, v in azure_props(azurite, azure_container).items() for a in ("--set", f"{k}={v}")
    ]
    made = cli.json(
        "connections",
        "create",
        "--source",
        "File_AzureStorageConnector",
        "--name",
        "blob-cli",
        *sets,
    )
    qid = made["qID"]
    assert cli.run("connections", "test", qid).exit_code == 0
    listed = cli.json("connections", "browse", qid, "")
    assert "t.csv.gz" in json.dumps(listed)
    preview = cli.json("connections", "preview", qid, "t.csv.gz")
    assert (preview["columns"], preview["types"]) == (["id", "name"], ["integer", "string"])
    assert preview["rows"] == [["1", "a"], ["2", "b"]]
    table = cli.run("connections", "preview", qid, "t.csv.gz")
    assert table.exit_code == 0, table.output
    assert "integer" in table.output  # each column's type under its name
