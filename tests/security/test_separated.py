"""Generated: nobody reaches another user's credential through a separated connection.

For every data source of the catalog whose secrets are typed and every destination property
its spec declares (so a new connector or property is covered by itself), carol makes a
connection with separated credentials in the shared space, bringing her own credential;
every destination points at the attacker's capture on loopback except the one under test.
A consumer, a producer and a tenant admin then try to reach her secrets:

* **use** the connection (test, browse, preview): they have no credential of their own for
  it, so each answer is ``DCAAS-4010``; carol's is never used for them;
* **pick** her record, on her connection (``selectedCredentials``, ``qCredentialsID``) or on
  a new connection of theirs at the capture: ``404 DCAAS-4001``, as if it did not exist;
* **move** the last destination to the capture, by PATCH of the property or by PUT of the
  connect statement (what a manager may do): the change keeps no
  personal credential (Qlik's rule), so carol's next use of it answers ``DCAAS-4010``
  instead of sending her secrets along; a consumer may not change it at all (``403``).

After each attempt the captures must have received none of carol's secrets, raw, base64,
hex or URL-encoded. Sources whose secrets come from an OAuth flow are not covered here:
dcaas does not offer separated credentials for OAuth sign-ins yet (see the README).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import pytest
from tests.security.capture import leaked
from tests.security.values import TYPED, Case, benign, destination_cases, hostile, victim_secrets
from tests.security.world import ROLES, URL, Victim, World, _required

from dcaas.connectors import get_data_source
from dcaas.connectors.gateway import is_gateway_source

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.asyncio(loop_scope="module")

MISSING, NOT_FOUND, FORBIDDEN = "DCAAS-4010", "DCAAS-4001", "DCAAS-5005"


def _typed_cases() -> list[Any]:
    """Typed sign-ins; not DG_* sources: they run on their gateway, and need one registered
    (their properties are their base source's, covered here)."""
    return [
        c
        for c in destination_cases()
        if c.values[0].sign_in == TYPED and not is_gateway_source(c.values[0].source_id)
    ]


async def _victim(world: World, case: Case) -> tuple[str, str, list[str]]:
    """Carol's separated connection and her own record: (connection, credential, needles)."""
    source = get_data_source(case.source_id)
    assert source is not None
    props, needles = victim_secrets(world, source)
    if source.oauth_selector is not None:  # the sign-in that is not OAuth: its default
        name, _ = source.oauth_selector
        props[name] = source.properties.model_fields[name].get_default()
    for name in source.properties.destination_fields():
        chosen = (benign if name == case.name else hostile)(world, source, name)
        if chosen is not None:
            props[name] = chosen
    props |= {"separateCredentials": True, "credentialsName": f"carol-{secrets.token_hex(6)}"}
    body = {
        "qName": f"separated-{secrets.token_hex(6)}",
        "datasourceID": source.id,
        "space": world.space,
        "connectionProperties": _required(source, props),
    }
    res = await world.api.client.post(URL, json=body, headers=world.h("owner"))
    assert res.status_code == 201, res.text
    made = res.json()
    assert made["qSeparateCredentials"] is True
    return str(made["qID"]), str(made["qCredentialsID"]), needles


def _code(res: httpx.Response) -> str:
    assert res.status_code < 500, res.text
    assert res.status_code >= 400, res.text
    error = res.json()["errors"][0]
    assert set(error) == {"code", "title", "detail", "status", "meta"}
    return str(error["code"])


async def _uses(world: World, role: str, conn: str) -> list[str]:
    """The codes of a test, a browse and a preview of ``conn`` by ``role``."""
    client, headers = world.api.client, world.h(role)
    return [
        _code(await client.post(f"{URL}/{conn}/actions/test", headers=headers)),
        _code(await client.get(f"{URL}/{conn}/browse", headers=headers)),
        _code(await client.get(f"{URL}/{conn}/preview", headers=headers)),
    ]


async def _picks(world: World, role: str, case: Case, conn: str, cred: str) -> list[str]:
    """The codes of picking carol's record: on her connection, and on a new one."""
    client, headers = world.api.client, world.h(role)
    codes = []
    for path in ("/connectionProperties/selectedCredentials", "/qCredentialsID"):
        ops = [{"op": "add", "path": path, "value": cred}]
        codes.append(_code(await client.patch(f"{URL}/{conn}", json=ops, headers=headers)))
    source = get_data_source(case.source_id)
    assert source is not None
    props = {n: hostile(world, source, n) for n in source.properties.destination_fields()}
    props = {k: v for k, v in props.items() if v is not None}
    props |= {"selectedCredentials": cred, "separateCredentials": True}
    body = {
        "qName": f"mine-{secrets.token_hex(6)}",
        "datasourceID": source.id,
        "connectionProperties": _required(source, props),
    }
    codes.append(_code(await client.post(URL, json=body, headers=headers)))
    return codes


async def _put(world: World, role: str, case: Case, conn: str) -> httpx.Response:
    source = get_data_source(case.source_id)
    assert source is not None
    seen = (await world.api.client.get(f"{URL}/{conn}", headers=world.h("owner"))).json()
    victim = Victim(conn, source, [], 0, seen["qConnectStatement"])
    body = {k: seen[k] for k in ("qID", "qEngineObjectID", "qName", "qType")}
    body["qConnectStatement"] = world.statement_with(
        victim, case.name, hostile(world, source, case.name)
    )
    return await world.api.client.put(f"{URL}/{conn}", json=body, headers=world.h(role))


@pytest.mark.parametrize("how", ["patch", "put"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", _typed_cases())
async def test_no_user_reaches_anothers_separated_credential(
    world: World, case: Case, role: str, how: str
) -> None:
    """Using, picking or re-pointing carol's separated connection never sends her secrets."""
    conn, cred, needles = await _victim(world, case)
    mark = world.recorder.mark()
    assert await _uses(world, role, conn) == [MISSING] * 3
    assert await _picks(world, role, case, conn, cred) == [NOT_FOUND] * 3
    source = get_data_source(case.source_id)
    assert source is not None
    if how == "put":
        res = await _put(world, role, case, conn)
    else:
        ops = [
            {
                "op": "add",
                "path": f"/connectionProperties/{case.name}",
                "value": hostile(world, source, case.name),
            }
        ]
        res = await world.api.client.patch(f"{URL}/{conn}", json=ops, headers=world.h(role))
    if role == "consumer":
        assert _code(res) == FORBIDDEN
    else:
        assert res.status_code == 204, res.text
        assert await _uses(world, "owner", conn) == [MISSING] * 3  # hers was detached
    assert leaked(world.recorder.since(mark), needles) == []
