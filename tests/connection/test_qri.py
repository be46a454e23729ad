"""POST /data-sources/actions/generate-qri: QRIs by id, by name and by connect statement."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from tests.conftest import assert_error

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/connectivity/data-sources/actions/generate-qri"
MISSING = "00000000-0000-4000-8000-000000000000"


async def _made(api: Api, name: str, url: str, **extra: Any) -> str:
    body = {"qName": name, "datasourceID": "rest", "connectionProperties": {"url": url}, **extra}
    res = await api.client.post("/api/v1/data-connections", json=body, headers=api.h(api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


async def _generate(api: Api, key: str, *items: dict[str, Any], raw: bool = True) -> list[Any]:
    res = await api.client.post(
        URL, json={"rawValues": raw, "data": list(items)}, headers=api.h(key)
    )
    assert res.status_code == 207, res.text
    return list(res.json()["data"])


async def test_by_id_name_and_statement(api: Api) -> None:
    """The three ways to name a connection give the same QRI; a path makes it fully qualified."""
    qid = await _made(api, "orders", "https://api.example/orders")
    stmt = 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://api.example/orders;"'
    out = await _generate(
        api,
        api.alice,
        {"requestId": "1", "connectionType": "id", "connection": qid},
        {"requestId": "2", "connectionType": "name", "connection": ":orders"},
        {
            "requestId": "3",
            "connectionType": "properties",
            "connection": stmt,
            "dataSourceId": "rest",
        },
        {
            "requestId": "4",
            "connectionType": "id",
            "connection": qid,
            "pathProperties": [{"value": "items/1"}],
        },
    )
    assert [i["status"]["code"] for i in out] == [200] * 4
    assert {i["qri"] for i in out[:3]} == {"qri:rest://https://api.example/orders"}
    assert [i["isFullyQualified"] for i in out] == [False, False, False, True]
    assert out[3]["qri"] == "qri:rest://https://api.example/orders#items/1"
    assert [i["requestId"] for i in out] == ["1", "2", "3", "4"]
    assert {i["dataSourceId"] for i in out} == {"rest"}


async def test_hashed_values_hide_the_connection_part(api: Api) -> None:
    """rawValues=false: the connection part is its SHA-256, the prefix and path stay."""
    qid = await _made(api, "hidden", "https://secret-host.example/")
    [item] = await _generate(
        api,
        api.alice,
        {
            "connectionType": "id",
            "connection": qid,
            "pathProperties": [{"name": "filePath", "value": "a"}],
        },
        raw=False,
    )
    digest = hashlib.sha256(b"https://secret-host.example/").hexdigest()
    assert item["qri"] == f"qri:rest://{digest}#a"


async def test_an_entry_failing_fails_alone(api: Api) -> None:
    """A missing connection, another tenant's, an unknown source and a missing dataSourceId
    each get their own status and error; the good entry still succeeds."""
    qid = await _made(api, "mine", "https://ok.example/")
    out = await _generate(
        api,
        api.mallory,
        {"connectionType": "id", "connection": qid},
        {"connectionType": "id", "connection": MISSING},
        {"connectionType": "properties", "connection": "x", "dataSourceId": "nope"},
        {"connectionType": "properties", "connection": "x"},
        {
            "connectionType": "properties",
            "connection": 'CUSTOM CONNECT TO "url=https://ok.example/;"',
            "dataSourceId": "rest",
        },
    )
    assert [i["status"]["code"] for i in out] == [404, 404, 404, 400, 200]
    assert out[0]["status"]["errorResponse"] == {
        "dcaasErrorCode": 3001,
        "errorCodeName": "DCAAS-3001",
        "errorMessage": f"data connection {qid} not found",
    }
    assert out[0]["qri"] == ""


async def test_more_than_100_entries_is_refused(api: Api) -> None:
    """A batch of 101: 400, in the envelope."""
    items = [{"connectionType": "id", "connection": MISSING}] * 101
    res = await api.client.post(URL, json={"data": items}, headers=api.h(api.alice))
    assert_error(res, 400)
