"""The REST connector against a real HTTP(S) server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from tests import rest_server
from tests.rest_server import API_KEY, PASSWORD, TOKEN, USER

from dcaas.connectors.base import ConnectorContext, SourceFailure, StepFailed, Steps
from dcaas.connectors.drivers.rest import RestConnector, has_path
from dcaas.connectors.failures import classify
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import Iterator

LOCAL = OutboundPolicy.parse("127.0.0.1/32")


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rest_server.Server]:
    context, ca = rest_server.make_tls(tmp_path_factory.mktemp("tls"))
    httpd, record = rest_server.start(context, ca)
    yield record
    httpd.shutdown()


def _context(policy: OutboundPolicy = LOCAL, connect: float = 2.0) -> ConnectorContext:
    return ConnectorContext(
        outbound=policy, connect_timeout=connect, total_timeout=10.0, max_preview_bytes=100_000
    )


async def _test(props: dict[str, Any], policy: OutboundPolicy = LOCAL) -> dict[str, Any]:
    """Run a connection test; answer {step name: result} plus the ordered list."""
    steps = Steps()
    connector = RestConnector(props, _context(policy))
    try:
        await connector.test(steps)
    except StepFailed:
        pass
    finally:
        await connector.aclose()
    return {"by": {r.name: r for r in steps.results}, "list": steps.results, "passed": steps.passed}


async def test_good_connection_passes_every_step(http: rest_server.Server) -> None:
    """An open endpoint passes resolve-host, connect, authenticate, authorize, reach-endpoint."""
    result = await _test({"url": http.base + "/open/items"})
    assert result["passed"]
    names = [r.name for r in result["list"]]
    assert names == ["resolve-host", "connect", "authenticate", "authorize", "reach-endpoint"]
    assert all(r.status == "passed" for r in result["list"])


async def test_basic_auth_good_and_wrong_password(http: rest_server.Server) -> None:
    """Basic auth passes with the right password; the wrong one fails at authenticate."""
    props = {"url": http.base + "/basic/items", "authSchema": "basic", "username": USER}
    assert (await _test({**props, "password": PASSWORD}))["passed"]
    result = await _test({**props, "password": "wrong"})
    failed = result["by"]["authenticate"]
    assert (failed.status, failed.code, failed.failure_class) == (
        "failed",
        "DCAAS-6006",
        "fix-credentials",
    )
    assert result["by"]["authorize"].status == "skipped"
    assert "wrong" not in (failed.detail or "")


async def test_bearer_token_wrong_fails_at_authenticate(http: rest_server.Server) -> None:
    """A wrong bearer token fails at authenticate with DCAAS-6006; the right one passes."""
    props = {"url": http.base + "/bearer/items", "authSchema": "bearer"}
    assert (await _test({**props, "bearerToken": TOKEN}))["passed"]
    result = await _test({**props, "bearerToken": "nope"})
    assert result["by"]["authenticate"].code == "DCAAS-6006"


async def test_encrypted_header_and_query_parameters_are_sent(http: rest_server.Server) -> None:
    """Headers (encrypted or not) and query parameters reach the server."""
    props = {
        "url": http.base + "/header/items",
        "queryHeaders": [{"name": "X-Api-Key", "value": API_KEY, "encrypt": True}],
        "queryParameters": [{"name": "sort", "value": "+name"}],
    }
    assert (await _test(props))["passed"]
    last = http.seen[-1]
    assert last["headers"]["X-Api-Key"] == API_KEY
    assert last["query"] == "sort=%2Bname"


async def test_forbidden_fails_at_authorize(http: rest_server.Server) -> None:
    """HTTP 403 fails the authorize step with DCAAS-6007."""
    result = await _test({"url": http.base + "/forbidden"})
    assert result["by"]["authenticate"].status == "passed"
    assert result["by"]["authorize"].code == "DCAAS-6007"


async def test_wrong_path_fails_at_reach_endpoint(http: rest_server.Server) -> None:
    """HTTP 404 fails reach-endpoint with DCAAS-6008 and fix-configuration."""
    result = await _test({"url": http.base + "/no/such/path"})
    failed = result["by"]["reach-endpoint"]
    assert (failed.code, failed.failure_class) == ("DCAAS-6008", "fix-configuration")


async def test_unreachable_port_fails_fast_at_connect() -> None:
    """A closed port fails the connect step, well within the connect timeout."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    result = await _test({"url": f"http://127.0.0.1:{port}/x"})
    assert time.monotonic() - started < 2.0
    assert result["by"]["connect"].code == "DCAAS-6003"
    assert result["by"]["connect"].failure_class == "unreachable"


async def test_post_body_is_sent(http: rest_server.Server) -> None:
    """method POST sends requestBody."""
    props = {"url": http.base + "/post", "method": "POST", "requestBody": '{"q": 1}'}
    assert (await _test(props))["passed"]
    assert http.seen[-1]["body"] == '{"q": 1}'


async def test_pagination_path_present_and_missing(http: rest_server.Server) -> None:
    """NextUrl pagination passes when NextUrlPath is in the first page, fails otherwise."""
    props = {"url": http.base + "/open/paged", "PaginationType": "NextUrl"}
    good = await _test({**props, "NextUrlPath": "root/links/next"})
    assert good["by"]["pagination"].status == "passed"
    bad = await _test({**props, "NextUrlPath": "links.nope"})
    assert bad["by"]["pagination"].code == "DCAAS-6011"
    assert bad["by"]["pagination"].failure_class == "fix-configuration"


def test_has_path_forms() -> None:
    """Pagination paths may be written root/a/b, $.a.b, a.b or with list indexes."""
    doc = {"a": {"b": [{"c": None}]}}
    assert has_path(doc, "root/a/b/0/c")
    assert has_path(doc, "$.a.b")
    assert not has_path(doc, "a.c")


async def test_tls_custom_root_passes_default_fails(https: rest_server.Server) -> None:
    """Custom roots trust the test CA; Default (system roots) fails at tls; None skips checks."""
    url = https.base + "/open/items"
    roots = [{"name": "ca.pem", "value": https.ca_pem}]
    custom = await _test(
        {"url": url, "serverCertificateValidation": "Custom", "rootCertificates": roots}
    )
    assert custom["passed"], custom["list"]
    assert "tls" in custom["by"]
    default = await _test({"url": url})
    assert default["by"]["tls"].code == "DCAAS-6005"
    unchecked = await _test({"url": url, "serverCertificateValidation": "None"})
    assert unchecked["passed"]


async def test_preview_rows_of_json_array(http: rest_server.Server) -> None:
    """Preview of a JSON array answer gives columns and rows, capped at max_rows."""
    connector = RestConnector({"url": http.base + "/open/items"}, _context())
    preview = await connector.preview("", 100_000, 2)
    await connector.aclose()
    assert preview.kind == "rows"
    assert preview.columns == ["id", "name"]
    assert preview.rows == [[1, "alpha"], [2, "beta"]]
    assert preview.truncated


async def test_preview_finds_the_array_inside_an_object(http: rest_server.Server) -> None:
    """An answer {"data": [...], "links": {...}} previews as the data array, with types."""
    connector = RestConnector({"url": http.base + "/open/paged"}, _context())
    found = await connector.preview("", 100_000, 10)
    chosen = await connector.preview("data", 100_000, 10)
    await connector.aclose()
    assert (found.kind, found.columns, found.types) == (
        "rows",
        ["id", "name"],
        ["integer", "string"],
    )
    assert found.rows == chosen.rows == [[1, "alpha"], [2, "beta"], [3, "gamma"]]
    assert chosen.path == "data"


async def test_preview_path_into_the_answer(http: rest_server.Server) -> None:
    """path=links previews that object as one row; a path to nothing is a 404-class failure."""
    connector = RestConnector({"url": http.base + "/open/paged"}, _context())
    links = await connector.preview("links", 100_000, 10)
    with pytest.raises(SourceFailure) as raised:
        await connector.preview("nothing.here", 100_000, 10)
    await connector.aclose()
    assert links.columns == ["next"]
    assert raised.value.http_status == 404


async def test_preview_of_a_cut_json_answer_keeps_whole_records(http: rest_server.Server) -> None:
    """A JSON answer cut by the byte cap previews its whole records, marked truncated."""
    connector = RestConnector({"url": http.base + "/open/items"}, _context())
    preview = await connector.preview("", 50, 10)
    await connector.aclose()
    assert preview.kind == "rows"
    assert preview.rows == [[1, "alpha"]]
    assert preview.truncated


async def test_preview_of_big_text_is_capped(http: rest_server.Server) -> None:
    """A 3 MB answer is read only up to max_bytes and marked truncated."""
    connector = RestConnector({"url": http.base + "/big"}, _context())
    preview = await connector.preview("", 1000, 10)
    await connector.aclose()
    assert (preview.kind, preview.bytes_read, preview.truncated) == ("bytes", 1000, True)
    assert preview.content == "x" * 1000


async def test_browse_lists_the_endpoint_and_refuses_other_paths(http: rest_server.Server) -> None:
    """Browse of '' is the endpoint itself; another path is a 404-class failure."""
    connector = RestConnector({"url": http.base + "/open/items"}, _context())
    page = await connector.browse("", 10, None)
    assert [(e.name, e.type) for e in page.items] == [("items", "endpoint")]
    with pytest.raises(SourceFailure) as raised:
        await connector.browse("deeper", 10, None)
    await connector.aclose()
    assert raised.value.http_status == 404


async def test_status_failures_classify_for_browse(http: rest_server.Server) -> None:
    """A 401 during preview classifies as DCAAS-6006 with HTTP 400 for the API answer."""
    connector = RestConnector({"url": http.base + "/basic/items"}, _context())
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the table decides what it is
        await connector.preview("", 1000, 10)
    await connector.aclose()
    failure = classify(raised.value)
    assert (failure.code, failure.http_status) == ("DCAAS-6006", 400)


async def test_slow_read_is_bounded_by_total_timeout() -> None:
    """A server that accepts and never answers fails the call at the read timeout."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    context = ConnectorContext(
        outbound=LOCAL, connect_timeout=1.0, total_timeout=0.5, max_preview_bytes=1000
    )
    connector = RestConnector({"url": f"http://127.0.0.1:{port}/"}, context)
    steps = Steps()
    started = time.monotonic()
    with pytest.raises(StepFailed):
        await connector.test(steps)
    await connector.aclose()
    server.close()
    assert time.monotonic() - started < 3
    failed = next(r for r in steps.results if r.status == "failed")
    assert (failed.name, failed.code) == ("authenticate", "DCAAS-6010")


async def test_encrypted_headers_do_not_follow_a_redirect_to_another_origin(
    http: rest_server.Server,
) -> None:
    """A redirect elsewhere gets the plain headers, not the encrypted ones (nor Authorization)."""
    httpd, other = rest_server.start()
    try:
        props = {
            "url": f"{http.base}/redirect?to={other.base}/open/items",
            "authSchema": "bearer",
            "bearerToken": TOKEN,
            "queryHeaders": [
                {"name": "X-Api-Key", "value": API_KEY, "encrypt": True},
                {"name": "X-Plain", "value": "plain"},
            ],
        }
        result = await _test(props)
        assert result["passed"], result["list"]
        (seen,) = other.seen
        headers = {k.lower(): v for k, v in seen["headers"].items()}
        assert headers["x-plain"] == "plain"
        assert "x-api-key" not in headers
        assert "authorization" not in headers
        assert {k.lower() for k in http.seen[-1]["headers"]} >= {"x-api-key", "authorization"}
    finally:
        httpd.shutdown()
