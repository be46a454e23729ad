"""Connection ids are always made by dcaas: a client's qID neither collides nor reveals."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import Api

URL = "/api/v1/data-connections"


def statement_body(name: str, q_id: str) -> dict[str, Any]:
    """Qlik's connect-statement form with a client-chosen qID and qEngineObjectID."""
    return {
        "qID": q_id,
        "qEngineObjectID": q_id,
        "qName": name,
        "qType": "QvRestConnector.exe",
        "datasourceID": "rest",
        "qConnectStatement": 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://e.x;"',
    }


async def test_another_tenants_id_is_answered_like_an_unused_one(api: Api) -> None:
    """Alice posting mallory's connection id and an unused id gets the same answer: 201 with
    an id of dcaas's own; mallory's connection is untouched."""
    made = await api.client.post(
        URL, json=statement_body("m", str(uuid.uuid4())), headers=api.h(api.mallory)
    )
    assert made.status_code == 201, made.text
    theirs = made.json()["qID"]
    answers = []
    for name, q_id in (("taken", theirs), ("unused", str(uuid.uuid4()))):
        res = await api.client.post(URL, json=statement_body(name, q_id), headers=api.h(api.alice))
        answers.append((res.status_code, res.json()["qID"] == q_id, sorted(res.json())))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (201, False)
    still = await api.client.get(f"{URL}/{theirs}", headers=api.h(api.mallory))
    assert still.json()["qName"] == "m"


async def test_a_client_qid_is_still_checked(api: Api) -> None:
    """A qID that is not a UUID, or differs from qEngineObjectID, is 400 as before."""
    body = statement_body("x", "not-a-uuid")
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.json()["errors"][0]["code"] == "DCAAS-1012"
    body = {**statement_body("y", str(uuid.uuid4())), "qEngineObjectID": str(uuid.uuid4())}
    res = await api.client.post(URL, json=body, headers=api.h(api.alice))
    assert res.status_code == 400
