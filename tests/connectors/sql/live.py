"""Live servers for the SQL engines that can run here besides PostgreSQL and MariaDB.

* fakesnow in server mode: DuckDB behind Snowflake's protocol, for the real
  snowflake-connector-python (versions below 4 only). It accepts any password.
* moto's server for Athena (and S3 for the results), with signature checking on.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from tests import log_guard
from tests.connectors.drivers import servers

if TYPE_CHECKING:
    from collections.abc import Iterator

# fakesnow does not list views in information_schema.tables, so the schema holds tables only.
SNOWFLAKE_TABLES = ["T1", "T2", "T3", "T4", "T5", "a%b", "q?x", 'we"ird']


@contextlib.contextmanager
def fakesnow_server() -> Iterator[int]:
    """fakesnow with database SHOP, schema SALES and eight tables; its port."""
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector  # noqa: PLC0415 - only where fakesnow is installed

    with fakesnow.server() as kw:
        conn = snowflake.connector.connect(**kw)
        cur = conn.cursor()
        for sql in [
            "CREATE DATABASE SHOP",
            "CREATE SCHEMA SHOP.SALES",
            *[f"CREATE TABLE SHOP.SALES.{t} (ID INT, NAME VARCHAR)" for t in SNOWFLAKE_TABLES[:5]],
            'CREATE TABLE SHOP.SALES."a%b" (X INT)',
            'CREATE TABLE SHOP.SALES."q?x" (X INT)',
            'CREATE TABLE SHOP.SALES."we""ird" (X INT)',
            "INSERT INTO SHOP.SALES.T1 VALUES (1, 'one'), (2, 'two'), (3, 'three')",
            'INSERT INTO SHOP.SALES."a%b" VALUES (5)',
            'INSERT INTO SHOP.SALES."q?x" VALUES (6)',
        ]:
            cur.execute(sql)
        conn.close()
        yield int(kw["port"])


def snowflake_props(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "server": "127.0.0.1",
        "port": port,
        "protocol": "http",
        "database": "SHOP",
        "schema": "SALES",
        "username": "reader",
        "password": "any-password-fakesnow-accepts",
        **extra,
    }


class Athena:
    """moto with an IAM user allowed Athena and S3, a results bucket and three databases."""

    def __init__(self, moto: servers.Moto) -> None:
        self.moto = moto
        self.key, self.secret = servers.limited_user(
            moto, "athena-" + uuid.uuid4().hex[:8], ["athena:*", "s3:*", "glue:*"]
        )
        log_guard.remember(self.key, self.secret)
        self.bucket = "athena-results-" + uuid.uuid4().hex[:8]
        self._client("s3").create_bucket(Bucket=self.bucket)
        athena = self._client("athena")
        for name in ("sales", "stock", "staff"):
            athena.start_query_execution(
                QueryString=f"CREATE DATABASE {name}",
                ResultConfiguration={"OutputLocation": f"s3://{self.bucket}/ddl/"},
            )

    def _client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.moto.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
        )

    def queue_result(self, header: list[str], rows: list[list[str]]) -> None:
        """The rows moto answers the next query with (through its moto-api)."""
        data = [{"Data": [{"VarCharValue": v} for v in row]} for row in [header, *rows]]
        info = [
            {
                "Name": h,
                "Label": h,
                "Type": "varchar",
                "CatalogName": "hive",
                "Precision": 2147483647,
                "Scale": 0,
                "Nullable": "UNKNOWN",
                "CaseSensitive": True,
            }
            for h in header
        ]
        body = {"region": "us-east-1", "results": [{"rows": data, "column_info": info}]}
        request = urllib.request.Request(  # noqa: S310 - moto on 127.0.0.1
            f"{self.moto.endpoint}/moto-api/static/athena/query-results",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert answer.status == 201

    def props(self, **extra: Any) -> dict[str, Any]:
        return {
            "AwsRegion": "us-east-1",
            "Schema": "sales",
            "username": self.key,
            "password": self.secret,
            "S3OutputLocation": f"s3://{self.bucket}/dcaas/",
            "endpointUrl": self.moto.endpoint,
            **extra,
        }


@contextlib.contextmanager
def start_athena() -> Iterator[Athena]:
    moto = servers.start_moto()
    try:
        yield Athena(moto)
    finally:
        servers.stop(moto.process)
