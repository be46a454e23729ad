"""The policy-checked httpx client: every hop and every connection goes through the policy."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

import httpx
import pytest
from tests import rest_server

from dcaas.connectors.drivers.http import PolicyBackend, outbound_client
from dcaas.kit.outbound import OutboundPolicy, OutboundRefused

if TYPE_CHECKING:
    from collections.abc import Iterator

LOCAL = OutboundPolicy.parse("127.0.0.1/32")


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


def _client(policy: OutboundPolicy = LOCAL) -> httpx.AsyncClient:
    return outbound_client(policy, connect_timeout=1.0, total_timeout=5.0)


async def test_allowed_target_answers(http: rest_server.Server) -> None:
    """With 127.0.0.1/32 allowed, a local server is reached."""
    async with _client() as client:
        response = await client.get(http.base + "/open/items")
    assert response.status_code == 200


async def test_default_policy_refuses_loopback(http: rest_server.Server) -> None:
    """With the default policy, the same request is refused before it is sent."""
    count = len(http.seen)
    async with _client(OutboundPolicy()) as client:
        with pytest.raises(OutboundRefused):
            await client.get(http.base + "/open/items")
    assert len(http.seen) == count


REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/open/items",
    "http://10.0.0.1/",
]


@pytest.mark.parametrize("target", REFUSED)
async def test_redirect_hop_is_checked(http: rest_server.Server, target: str) -> None:
    """A redirect from an allowed server to a metadata, IPv6 loopback or private address is
    refused."""
    url = http.base + "/redirect?to=" + target.format(port=http.port)
    async with _client() as client:
        with pytest.raises(OutboundRefused):
            await client.get(url)


async def test_redirects_are_capped(http: rest_server.Server) -> None:
    """A redirect loop stops at the cap with TooManyRedirects."""
    loop = http.base + "/redirect?to=" + http.base + "/redirect%3Fto%3D" + http.base + "/redirect"
    async with outbound_client(LOCAL, connect_timeout=1, total_timeout=5, max_redirects=1) as c:
        with pytest.raises(httpx.TooManyRedirects):
            await c.get(loop)


async def test_backend_connects_only_to_checked_addresses() -> None:
    """The network backend itself refuses a name resolving to a refused address."""
    backend = PolicyBackend(OutboundPolicy())
    with pytest.raises(OutboundRefused):
        await backend.connect_tcp("localhost", 80)


async def test_environment_proxy_is_ignored(
    http: rest_server.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY in the environment does not reroute connector traffic."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{dead}")
    async with _client() as client:
        response = await client.get(http.base + "/open/items")
    assert response.status_code == 200
