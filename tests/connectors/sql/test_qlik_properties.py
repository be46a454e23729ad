"""Each SQL source creates from the properties Qlik documents for it (Qlik's string values
included: "3", "true", "443"), through the deprecated dcaas endpoint Qlik's tutorials use,
and parseConnection answers them back without the secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import running_api

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tests.conftest import Api

KEY = [{"name": "key.p8", "value": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"}]
QLIK: dict[str, dict[str, Any]] = {
    "mssql": {
        "host": "sql.example.com",
        "port": "1433",
        "database": "shop",
        "username": "reader",
        "password": "Mssql-Secret-1",
    },
    "snowflake": {
        "server": "xy12345.eu-west-1.snowflakecomputing.com",
        "port": "443",
        "database": "ANALYTICS",
        "schema": "PUBLIC",
        "warehouse": "WH",
        "role": "READER",
        "username": "reader",
        "authenticator": "snowflake_jwt",
        "PRIV_KEY_FILE": KEY,
    },
    "databricks": {
        "host": "adb-1234567890123456.7.azuredatabricks.net",
        "port": "443",
        "Catalog": "main",
        "Schema": "sales",
        "HTTPPath": "/sql/1.0/warehouses/abc123",
        "AuthMech": "3",
        "username": "token",
        "password": "dapi-Secret-2",
        "SSL": "true",
        "TrustedCerts": [{"name": "ca.pem", "value": "-----BEGIN CERTIFICATE-----..."}],
    },
    "gbq": {
        "OAuthMechanism": "0",
        "Email": "reader@project.iam.gserviceaccount.com",
        "Catalog": "my-project",
        "KeyFilePath": [{"name": "key.p12", "value": "UEsDBBQ="}],
        "P12CustomPwd": "P12-Secret-3",
    },
    "athena": {
        "AwsRegion": "eu-west-1",
        "Catalog": "AwsDataCatalog",
        "Schema": "sales",
        "Workgroup": "primary",
        "AuthenticationType": "IAM Credentials",
        "username": "AKIAEXAMPLE",
        "password": "Athena-Secret-4",
        "S3OutputLocation": "s3://results-bucket/athena/",
    },
    "teradata": {
        "host": "td.example.com",
        "port": "1025",
        "db": "sales",
        "username": "reader",
        "password": "Td-Secret-5",
    },
}
SECRETS = {"username", "password", "PRIV_KEY_FILE", "KeyFilePath", "P12CustomPwd"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api("sqlite", tmp_path) as running:
        yield running


@pytest.mark.parametrize("source", sorted(QLIK))
async def test_creates_from_qliks_properties_and_parses_back(api: Api, source: str) -> None:
    """Create the dcaas way; GET with parseConnection gives the public part, coerced."""
    props = QLIK[source]
    res = await api.client.post(
        "/api/v1/dcaas/actions/data-connections",
        json={"dataSourceId": source, "connectionName": source, "connectionProperties": props},
        headers=api.h(api.alice),
    )
    assert res.status_code == 201, res.text
    conn = res.json()["connectionId"]
    got = await api.client.get(
        f"/api/v1/data-connections/{conn}?parseConnection=true", headers=api.h(api.alice)
    )
    parsed = got.json()["connectionProperties"]
    assert not SECRETS & set(parsed)
    for name, value in props.items():
        if name not in SECRETS:
            assert str(parsed[name]).lower() == str(value).lower(), name
    statement = got.json()["qConnectStatement"]
    assert statement.startswith(
        f'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver={source};'
    )
    for text in (str(v) for k, v in props.items() if k in SECRETS):
        assert text not in got.text
