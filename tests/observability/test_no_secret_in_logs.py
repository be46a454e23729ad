"""No secret in any log line: create, update, error paths, an unexpected exception, SQL echo.

Every line the root logger writes (DEBUG, SQL echo on) goes through both redacting
formatters. To cover another path that handles secrets (a connector test, an OAuth
callback), add a scenario to SCENARIOS and its secrets to SECRETS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import assert_error
from tests.observability.conftest import add_failing_route
from tests.test_seeds import ALL_SECRETS, SEEDS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.conftest import Api
    from tests.observability.conftest import Captured

URL = "/api/v1/data-connections"
REST_PASSWORD = "rest-password-Hq4"
ROTATED = "rotated-secret-Vb5"
REPLACED = "replaced-password-Tn8"
HEADER_VALUE = "custom-header-secret-Jd2"
SECRETS = (*ALL_SECRETS, REST_PASSWORD, ROTATED, REPLACED, HEADER_VALUE)

REST = {
    "url": "https://api.example.com/v1",
    "username": "rest-user",
    "password": REST_PASSWORD,
    "queryHeaders": [{"name": "X-Api-Key", "value": HEADER_VALUE, "encrypt": True}],
}


async def create_each_seed(api: Api) -> None:
    for source, props in {**SEEDS, "rest": REST}.items():
        body = {"datasourceID": source, "qName": f"{source}-c", "connectionProperties": props}
        res = await api.client.post(URL, json=body, headers=api.h(api.alice))
        assert res.status_code == 201, res.text


async def conflict(api: Api) -> None:
    body = {"datasourceID": "rest", "qName": "rest-c", "connectionProperties": REST}
    assert_error(await api.client.post(URL, json=body, headers=api.h(api.alice)), 409)


async def validation_errors(api: Api) -> None:
    bad_region = dict(SEEDS["File_AmazonS3ConnectorV2"], region="nowhere-1")
    unknown = dict(REST, notAProperty=REST_PASSWORD)
    wrong_type = dict(REST, password=[REST_PASSWORD])
    for source, props in (
        ("AmazonS3ConnectorV2", bad_region),
        ("rest", unknown),
        ("rest", wrong_type),
    ):
        body = {"datasourceID": source, "qName": "bad", "connectionProperties": props}
        assert_error(await api.client.post(URL, json=body, headers=api.h(api.alice)), 400)
    broken = (
        b'{"datasourceID": "rest", "connectionProperties": {"password": "%s"' % ROTATED.encode()
    )
    res = await api.client.post(URL, content=broken, headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-1010")


async def patch_and_put(api: Api) -> None:
    listed = (await api.client.get(URL, params={"limit": 100}, headers=api.h(api.alice))).json()
    ids = {c["qName"]: c["qID"] for c in listed["data"]}
    ops = [{"op": "replace", "path": "/connectionProperties/secretKey", "value": ROTATED}]
    res = await api.client.patch(
        f"{URL}/{ids['File_AmazonS3ConnectorV2-c']}", json=ops, headers=api.h(api.alice)
    )
    assert res.status_code == 204, res.text
    conn = (await api.client.get(f"{URL}/{ids['rest-c']}", headers=api.h(api.alice))).json()
    keep = ("qID", "qName", "qConnectStatement", "qType", "qEngineObjectID", "datasourceID")
    body: dict[str, Any] = {k: conn[k] for k in keep}
    body |= {"qUsername": "rest-user", "qPassword": REPLACED}
    res = await api.client.put(f"{URL}/{conn['qID']}", json=body, headers=api.h(api.alice))
    assert res.status_code == 204, res.text


async def unexpected_exception(api: Api) -> None:
    path = add_failing_route(api.app)  # type: ignore[arg-type]
    body = {
        "connectionProperties": {**REST, "secretKey": ALL_SECRETS[0]},
        "note": f"Authorization: {ALL_SECRETS[2]}",
    }
    assert_error(await api.client.post(path, json=body, headers=api.h(api.alice)), 500)


SCENARIOS: list[Callable[[Api], Awaitable[None]]] = [
    create_each_seed,
    conflict,
    validation_errors,
    patch_and_put,
    unexpected_exception,
]


@pytest.mark.settings(sql_echo=True)
async def test_no_secret_in_any_log_line(api: Api, logs: Captured) -> None:
    """Across every scenario, no secret or API key appears in any JSON or text log line."""
    for scenario in SCENARIOS:
        await scenario(api)
    api_key_secrets = [key.split("_", 2)[2] for key in (api.admin, api.alice, api.bob)]
    lines = logs.lines()
    for output in logs.outputs():
        for secret in (*SECRETS, *api_key_secrets):
            assert secret not in output
    sql = [line["message"] for line in lines if line["logger"] == "sqlalchemy.engine.Engine"]
    assert any("INSERT INTO credentials" in m for m in sql), "SQL echo was on and captured"
    crashes = [
        line for line in lines if "RuntimeError: could not handle" in line.get("exception", "")
    ]
    assert len(crashes) == 1
    assert "'secretKey': '***'" in crashes[0]["exception"]
