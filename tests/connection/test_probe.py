"""Test, browse and preview through the API, against a real local HTTP server."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select
from tests import rest_server
from tests.conftest import Api, assert_error
from tests.connection.test_access import _team
from tests.rest_server import PASSWORD, TOKEN, USER

from dcaas.connection.models import Connection
from dcaas.connectors import registry
from dcaas.connectors.spec import ConnectorProperties, DataSource
from dcaas.credential.models import Credential

if TYPE_CHECKING:
    from collections.abc import Iterator

URL = "/api/v1/data-connections"
TOTAL_TIMEOUT = 3.0


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connectors may reach 127.0.0.1 here (set before the api fixture builds the app)."""
    monkeypatch.setenv("DCAAS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("DCAAS_CONNECTOR_TOTAL_TIMEOUT", str(TOTAL_TIMEOUT))


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


def basic(
    http: rest_server.Server,
    password: str = PASSWORD,
    path: str = "/basic/items",
    name: str = "api",
) -> dict[str, Any]:
    """A properties-form body for a basic-auth REST connection."""
    props = {"url": http.base + path, "authSchema": "basic", "username": USER, "password": password}
    return {"qName": name, "datasourceID": "rest", "connectionProperties": props}


async def counts(api: Api) -> tuple[int, int]:
    """Rows in connections and credentials."""
    async with api.app.state.dcaas.sessions() as session:  # type: ignore[attr-defined]
        conns = await session.scalar(select(func.count()).select_from(Connection))
        creds = await session.scalar(select(func.count()).select_from(Credential))
    return int(conns or 0), int(creds or 0)


async def create(api: Api, body: dict[str, Any], key: str | None = None) -> str:
    """Create a connection and return its id."""
    res = await api.client.post(URL, json=body, headers=api.h(key or api.alice))
    assert res.status_code == 201, res.text
    return str(res.json()["qID"])


def steps(res: Any) -> dict[str, dict[str, Any]]:
    """The answer's steps by name (after checking the answer is a 200)."""
    assert res.status_code == 200, res.text
    return {s["name"]: s for s in res.json()["steps"]}


async def test_definition_passes_and_stores_nothing(api: Api, http: rest_server.Server) -> None:
    """Testing an unsaved definition passes every step and adds no connection or credential."""
    before = await counts(api)
    res = await api.client.post(f"{URL}/actions/test", json=basic(http), headers=api.h(api.alice))
    assert res.json()["status"] == "passed", res.text
    assert [s["status"] for s in res.json()["steps"]] == ["passed"] * 5
    assert all("code" not in s and "detail" not in s for s in res.json()["steps"])
    assert await counts(api) == before


async def test_definition_wrong_password_fails_at_authenticate(
    api: Api, http: rest_server.Server
) -> None:
    """A wrong password fails authenticate with DCAAS-6006 / fix-credentials, later skipped."""
    res = await api.client.post(
        f"{URL}/actions/test", json=basic(http, "bad-pass-Zz1"), headers=api.h(api.alice)
    )
    by = steps(res)
    assert res.json()["status"] == "failed"
    assert by["authenticate"]["code"] == "DCAAS-6006"
    assert by["authenticate"]["failureClass"] == "fix-credentials"
    assert by["reach-endpoint"]["status"] == "skipped"
    assert "bad-pass-Zz1" not in res.text


async def test_definition_in_statement_form(api: Api, http: rest_server.Server) -> None:
    """The connect-statement form with qUsername / qPassword is tested the same way."""
    statement = (
        f'CUSTOM CONNECT TO "provider=QvRestConnector.exe;sourceType=rest;'
        f'url={http.base}/basic/items;authSchema=basic;"'
    )
    body = {
        "qName": "s",
        "qConnectStatement": statement,
        "qType": "QvRestConnector.exe",
        "datasourceID": "rest",
        "qUsername": USER,
        "qPassword": PASSWORD,
    }
    before = await counts(api)
    res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
    assert res.json()["status"] == "passed", res.text
    assert await counts(api) == before


async def test_definition_with_invalid_properties_is_400(api: Api) -> None:
    """Bad properties answer the same 400 as create does."""
    body = {"qName": "x", "datasourceID": "rest", "connectionProperties": {"url": "ftp://x"}}
    res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-1009")


async def test_saved_connection_with_and_without_empty_body(
    api: Api, http: rest_server.Server
) -> None:
    """A saved connection is tested with no body and with an empty patch []."""
    conn = await create(api, basic(http))
    for kwargs in ({}, {"json": []}):
        res = await api.client.post(
            f"{URL}/{conn}/actions/test", headers=api.h(api.alice), **kwargs
        )
        assert res.json()["status"] == "passed", res.text


async def test_patch_is_tested_not_applied_and_keeps_stored_secret(
    api: Api, http: rest_server.Server
) -> None:
    """A patch of public properties is tested with the stored password; nothing changes."""
    conn = await create(api, basic(http))
    before = await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))
    patch = [
        {
            "op": "add",
            "path": "/connectionProperties/queryParameters",
            "value": [{"name": "page", "value": "1"}],
        }
    ]
    res = await api.client.post(f"{URL}/{conn}/actions/test", json=patch, headers=api.h(api.alice))
    assert res.json()["status"] == "passed", res.text
    assert http.seen[-1]["query"] == "page=1"
    after = await api.client.get(f"{URL}/{conn}", headers=api.h(api.alice))
    assert after.json() == before.json()


async def test_patch_with_wrong_password_fails_and_stored_one_survives(
    api: Api, http: rest_server.Server
) -> None:
    """Testing a patch with a wrong password fails; the saved connection still passes after."""
    conn = await create(api, basic(http))
    before = await counts(api)
    patch = [{"op": "replace", "path": "/connectionProperties/password", "value": "wrong-Pq9"}]
    res = await api.client.post(f"{URL}/{conn}/actions/test", json=patch, headers=api.h(api.alice))
    assert steps(res)["authenticate"]["code"] == "DCAAS-6006"
    assert await counts(api) == before
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.alice))
    assert res.json()["status"] == "passed", res.text


async def test_patch_of_path_fails_at_reach_endpoint(api: Api, http: rest_server.Server) -> None:
    """A patch pointing at a missing path (every credential given anew) fails reach-endpoint."""
    conn = await create(api, basic(http))
    patch = [
        {"op": "replace", "path": "/connectionProperties/url", "value": http.base + "/nope"},
        {"op": "replace", "path": "/connectionProperties/username", "value": USER},
        {"op": "replace", "path": "/connectionProperties/password", "value": PASSWORD},
    ]
    res = await api.client.post(f"{URL}/{conn}/actions/test", json=patch, headers=api.h(api.alice))
    assert steps(res)["reach-endpoint"]["code"] == "DCAAS-6008"


async def test_patch_changing_host_needs_credentials(api: Api, http: rest_server.Server) -> None:
    """The patch rules hold: a new url without credentials is refused (no secret sent)."""
    conn = await create(api, basic(http))
    count = len(http.seen)
    patch = [{"op": "replace", "path": "/connectionProperties/url", "value": http.base + "/x"}]
    res = await api.client.post(f"{URL}/{conn}/actions/test", json=patch, headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-1014")
    assert len(http.seen) == count


async def test_invisible_connection_is_404(api: Api, http: rest_server.Server) -> None:
    """Another user or tenant gets 404 on test, browse and preview."""
    conn = await create(api, basic(http))
    for key in (api.bob, api.mallory):
        for method, path in (("POST", "actions/test"), ("GET", "browse"), ("GET", "preview")):
            res = await api.client.request(method, f"{URL}/{conn}/{path}", headers=api.h(key))
            assert_error(res, 404, "DCAAS-3001")


async def test_consumer_may_test_and_browse(api: Api, http: rest_server.Server) -> None:
    """A consumer of a shared space may test, browse and preview (using is reading)."""
    space, _, _ = await _team(api)
    conn = await create(api, {**basic(http), "space": space})
    res = await api.client.post(f"{URL}/{conn}/actions/test", headers=api.h(api.bob))
    assert res.json()["status"] == "passed", res.text
    res = await api.client.get(f"{URL}/{conn}/browse", headers=api.h(api.bob))
    assert res.status_code == 200, res.text
    res = await api.client.get(f"{URL}/{conn}/preview", headers=api.h(api.bob))
    assert res.status_code == 200, res.text


async def test_browse_and_preview_rest(api: Api, http: rest_server.Server) -> None:
    """Browse lists the endpoint; preview gives the JSON array's rows."""
    conn = await create(api, basic(http))
    res = await api.client.get(f"{URL}/{conn}/browse", headers=api.h(api.alice))
    assert res.status_code == 200, res.text
    body = res.json()
    assert [(i["name"], i["type"]) for i in body["data"]] == [("items", "endpoint")]
    assert "next" not in body["links"]
    res = await api.client.get(
        f"{URL}/{conn}/preview", params={"limit": 2}, headers=api.h(api.alice)
    )
    assert res.status_code == 200, res.text
    assert res.json()["rows"] == [[1, "alpha"], [2, "beta"]]
    assert res.json()["truncated"] is True


async def test_preview_path_into_a_rest_answer(api: Api, http: rest_server.Server) -> None:
    """An answer with its records under "data" previews as rows, with or without path=data."""
    body = {"qName": "paged", "datasourceID": "rest"}
    conn = await create(api, body | {"connectionProperties": {"url": http.base + "/open/paged"}})
    for params in ({}, {"path": "data"}):
        res = await api.client.get(f"{URL}/{conn}/preview", params=params, headers=api.h(api.alice))
        assert res.status_code == 200, res.text
        assert res.json()["kind"] == "rows"
        assert res.json()["columns"] == ["id", "name"]
        assert res.json()["types"] == ["integer", "string"]
        assert len(res.json()["rows"]) == 3


async def test_browse_failures_use_the_envelope(api: Api, http: rest_server.Server) -> None:
    """A missing path is 404 and a refused password 400, with code and meta.failureClass."""
    conn = await create(api, basic(http))
    res = await api.client.get(
        f"{URL}/{conn}/browse", params={"path": "deeper"}, headers=api.h(api.alice)
    )
    error = assert_error(res, 404, "DCAAS-6008")
    assert error["meta"]["failureClass"] == "fix-configuration"
    bad = await create(api, basic(http, "wrong-Vv3", name="bad"))
    res = await api.client.get(f"{URL}/{bad}/preview", headers=api.h(api.alice))
    error = assert_error(res, 400, "DCAAS-6006")
    assert error["meta"]["failureClass"] == "fix-credentials"


async def test_bad_page_cursor_is_400(api: Api, http: rest_server.Server) -> None:
    """A page cursor that is not ours answers 400 DCAAS-1006."""
    conn = await create(api, basic(http))
    res = await api.client.get(
        f"{URL}/{conn}/browse", params={"page": "garbage"}, headers=api.h(api.alice)
    )
    assert_error(res, 400, "DCAAS-1006")


async def test_source_without_connector_is_400(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A data source with no connector answers 400 SOURCE_UNSUPPORTED (DCAAS-6015)."""

    class Nothing(ConnectorProperties):
        host: str

    source = DataSource(
        id="nothing", name="Nothing", provider="x.exe", provider_name="x", properties=Nothing
    )
    monkeypatch.setitem(registry._catalog(), "nothing", source)
    body = {"qName": "n", "datasourceID": "nothing", "connectionProperties": {"host": "h"}}
    res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-6015")
    conn = await create(api, body)
    res = await api.client.get(f"{URL}/{conn}/browse", headers=api.h(api.alice))
    assert_error(res, 400, "DCAAS-6015")


async def test_redirect_to_refused_address_fails(api: Api, http: rest_server.Server) -> None:
    """An allowed server redirecting to metadata or [::1] fails with DCAAS-6002."""
    for target in ("http://169.254.169.254/latest/meta-data/", f"http://[::1]:{http.port}/"):
        body = {
            "qName": "r",
            "datasourceID": "rest",
            "connectionProperties": {"url": f"{http.base}/redirect?to={target}"},
        }
        res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
        failed = [s for s in res.json()["steps"] if s["status"] == "failed"]
        assert [(s["name"], s["code"]) for s in failed] == [("authenticate", "DCAAS-6002")]


async def test_hung_source_times_out_without_stalling_others(api: Api) -> None:
    """A server that accepts and never answers fails within the total timeout while another
    request is answered promptly."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    props = {"url": f"http://127.0.0.1:{port}/", "timeout": 60}
    body = {"qName": "h", "datasourceID": "rest", "connectionProperties": props}
    started = time.monotonic()
    probe = asyncio.create_task(
        api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
    )
    await asyncio.sleep(0.3)
    quick_start = time.monotonic()
    other = await api.client.get(URL, headers=api.h(api.alice))
    assert other.status_code == 200
    assert time.monotonic() - quick_start < 1.0
    assert not probe.done()
    res = await probe
    server.close()
    assert time.monotonic() - started < TOTAL_TIMEOUT + 1.0
    failed = [s for s in res.json()["steps"] if s["status"] == "failed"]
    assert [(s["name"], s["code"]) for s in failed] == [("authenticate", "DCAAS-6010")]


async def test_secrets_never_in_answers_or_logs(
    api: Api, http: rest_server.Server, caplog: pytest.LogCaptureFixture
) -> None:
    """Passwords, tokens and encrypted headers appear in no answer and no log line."""
    caplog.set_level(logging.DEBUG)
    header = "hdr-secret-Kk5"
    bearer = {
        "url": http.base + "/bearer/items",
        "authSchema": "bearer",
        "bearerToken": TOKEN + "-bad",
        "queryHeaders": [{"name": "X-H", "value": header, "encrypt": True}],
    }
    bodies = [
        basic(http, "wrong-secret-Jj8"),
        basic(http),
        {"qName": "b", "datasourceID": "rest", "connectionProperties": bearer},
    ]
    texts = []
    for body in bodies:
        res = await api.client.post(f"{URL}/actions/test", json=body, headers=api.h(api.alice))
        texts.append(res.text)
        conn = await create(api, {**body, "qName": body["qName"] + str(len(texts))})
        for path in ("actions/test", "browse", "preview"):
            method = "POST" if path.startswith("actions") else "GET"
            res = await api.client.request(method, f"{URL}/{conn}/{path}", headers=api.h(api.alice))
            texts.append(res.text)
    for secret in (PASSWORD, "wrong-secret-Jj8", TOKEN, header):
        assert all(secret not in text for text in texts)
        assert secret not in caplog.text
