"""The second seed document's examples, as a Qlik client sends them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import Api

SECRET_S3 = "s3-secret-Zq8v1"
SECRET_GCS = "gcs-key-material-Xk2"
SECRET_HEADER = "Bearer header-secret-Pw7"
SECRET_SFTP = "sftp-private-key-Lm3"

SEEDS = {
    "File_AmazonS3ConnectorV2": {
        "accessKey": "AKIDSEED",
        "secretKey": SECRET_S3,
        "region": "us-east-1",
        "bucketName": "bucket-name",
    },
    "AmazonS3ConnectorV2": {
        "accessKey": "AKIDSEED",
        "secretKey": SECRET_S3,
        "region": "us-east-1",
        "bucketName": "bucket-name",
    },
    "File_GoogleCloudStorageConnector": {
        "serviceAccountKeyFile": [{"name": "mykeyfile.json", "value": SECRET_GCS}],
        "bucketName": "bucket-name",
    },
    "GoogleCloudStorageConnector": {
        "serviceAccountKeyFile": [{"name": "mykeyfile.json", "value": SECRET_GCS}],
        "bucketName": "bucket-name",
    },
    "rest": {
        "url": "https://tenant.example.com/api/v1/users",
        "queryParameters": [{"name": "sort", "value": "+name"}, {"name": "limit", "value": "50"}],
        "queryHeaders": [{"name": "Authorization", "value": SECRET_HEADER, "encrypt": True}],
        "allowWithConnection": "true",
    },
    "File_FileTransferConnector": {
        "host": "abs.server.transfer.us-east-1.amazonaws.com",
        "sftpPort": "22",
        "publicKeyAlgorithm": "RSA",
        "publicKeyFingerprint": "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
        "username": "sftp-user",
        "privateKey": [{"name": "mykey.pem", "value": SECRET_SFTP}],
    },
}
ALL_SECRETS = (SECRET_S3, SECRET_GCS, SECRET_HEADER, SECRET_SFTP)


@pytest.mark.parametrize("source", list(SEEDS))
async def test_seed_example_creates_and_reads_back(api: Api, source: str) -> None:
    """Each seed example answers 201 with the documented fields, and GET returns them."""
    personal = (await api.client.get("/api/v1/spaces", headers=api.h(api.alice))).json()["data"][0]
    body = {
        "dataSourceId": source,
        "connectionName": f"seed {source}",
        "spaceId": personal["id"],
        "connectionProperties": SEEDS[source],
    }
    created = await api.client.post(
        "/api/v1/dcaas/actions/data-connections", json=body, headers=api.h(api.alice)
    )
    assert created.status_code == 201, created.text
    res = created.json()
    for field in (
        "connectionId",
        "connectionName",
        "dataSourceId",
        "userId",
        "tenantId",
        "createdAt",
        "updateAt",
        "spaceId",
        "credentialsId",
    ):
        assert res[field], field
    assert res["dataSourceId"] == source
    assert res["spaceId"] == personal["id"]
    got = await api.client.get(
        f"/api/v1/dcaas/actions/data-connections/{res['connectionId']}", headers=api.h(api.alice)
    )
    assert got.status_code == 200
    assert got.headers["Deprecation"]
    assert 'rel="successor-version"' in got.headers["Link"]
    props = got.json()["connectionProperties"]
    assert props.get("bucketName", props.get("url", props.get("host")))
    for secret in ALL_SECRETS:
        assert secret not in got.text
        assert secret not in created.text


@pytest.mark.parametrize("source", list(SEEDS))
async def test_api_specs_for_each_seed_source(api: Api, source: str) -> None:
    """api-specs returns each data source's schema with required and secret markers."""
    res = await api.client.get(f"/api/v1/data-sources/{source}/api-specs", headers=api.h(api.alice))
    assert res.status_code == 200
    spec = res.json()
    assert spec["connectorProvider"]
    assert spec["connectorVersion"]
    props = spec["connectionProperties"]["properties"]
    assert set(SEEDS[source]) <= set(props)
    assert spec["connectionProperties"]["required"]
    secrets = {k for k, v in props.items() if v.get("x-secret")}
    assert secrets, "every seed source has credential properties"
    assert all(props[k].get("writeOnly") for k in secrets)
    legacy = await api.client.get(
        "/api/v1/dcaas/actions/data-connections/api-specs",
        params={"dataSourceId": source},
        headers=api.h(api.alice),
    )
    assert legacy.status_code == 200
    assert legacy.json()["connectionProperties"] == spec["connectionProperties"]


async def test_string_encoded_tags_and_properties_are_accepted(api: Api) -> None:
    """The first seed's body shape: tags and connectionProperties as JSON-encoded strings."""
    body = {
        "tags": '["tag1", "tag2"]',
        "authUrlOnly": False,
        "dataSourceId": "rest",
        "connectionName": "MyConnection",
        "connectionProperties": '{"url": "https://example.com/api"}',
    }
    res = await api.client.post(
        "/api/v1/dcaas/actions/data-connections", json=body, headers=api.h(api.alice)
    )
    assert res.status_code == 201, res.text
    got = await api.client.get(
        f"/api/v1/data-connections/{res.json()['connectionId']}", headers=api.h(api.alice)
    )
    assert got.json()["tags"] == ["tag1", "tag2"]


async def test_connect_statement_round_trips_through_parse_connection(api: Api) -> None:
    """qConnectStatement follows Qlik's CUSTOM CONNECT form and parseConnection inverts it."""
    body = {
        "datasourceID": "rest",
        "qName": "stmt",
        "connectionProperties": {
            "url": 'https://e.com/a;b="c"',
            "timeout": "45",
            "queryParameters": [{"name": "q", "value": "x;y"}],
        },
    }
    res = await api.client.post("/api/v1/data-connections", json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    created = res.json()
    assert created["qConnectStatement"].startswith(
        'CUSTOM CONNECT TO "provider=QvRestConnector.exe;sourceType=rest;'
    )
    assert created["qLogOn"] == "0"
    got = await api.client.get(
        f"/api/v1/data-connections/{created['qID']}",
        params={"parseConnection": "true"},
        headers=api.h(api.alice),
    )
    assert got.json()["qLogOn"] == 0
    assert got.json()["connectionProperties"] == {
        "url": 'https://e.com/a;b="c"',
        "timeout": 45,
        "queryParameters": [{"name": "q", "value": "x;y"}],
    }


async def test_statement_create_accepts_qlogon_string_and_returns_integer(api: Api) -> None:
    """qLogOn arrives as a string (or its alias) and comes back as an integer on GET."""
    body = {
        "qName": "c",
        "qType": "QvRestConnector.exe",
        "datasourceID": "rest",
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;sourceType=rest;url=https://e.com;"',
        "qLogOn": "LOG_ON_CURRENT_USER",
        "qUsername": "u",
        "qPassword": "pw-Qq9",
    }
    res = await api.client.post("/api/v1/data-connections", json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    assert res.json()["qLogOn"] == "1"
    assert res.json()["qCredentialsID"]
    got = await api.client.get(
        f"/api/v1/data-connections/{res.json()['qID']}", headers=api.h(api.alice)
    )
    assert got.json()["qLogOn"] == 1
    assert "pw-Qq9" not in got.text
