"""Every refused special-purpose address, reached through a redirect chain, is refused.

A real server on 127.0.0.1 (allowed here, as DCAAS_OUTBOUND_ALLOW would) redirects twice,
the second time to an address from the IANA table; the REST connector must refuse that hop
(DCAAS-6002) without sending it anything.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from tests import rest_server
from tests.kit import special_addresses

from dcaas.connectors.base import ConnectorContext, StepFailed, Steps
from dcaas.connectors.drivers.rest import RestConnector
from dcaas.kit.outbound import OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import Iterator

LOCAL = OutboundPolicy.parse("127.0.0.1/32")


def _allowed_here(address: str) -> bool:
    """127.0.0.1 itself (also IPv4-mapped) is what this test's policy allows."""
    ip = ipaddress.ip_address(address)
    return str(getattr(ip, "ipv4_mapped", None) or ip) == "127.0.0.1"


TARGETS = [
    (address, why)
    for address, expected, why in special_addresses.ALL
    if expected == special_addresses.REFUSED and not _allowed_here(address)
]


@pytest.fixture(scope="module")
def http() -> Iterator[rest_server.Server]:
    httpd, record = rest_server.start()
    yield record
    httpd.shutdown()


def _url(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:8080/latest/meta-data/"


@pytest.mark.parametrize(("address", "why"), TARGETS)
async def test_redirect_chain_to_refused_address(
    http: rest_server.Server, address: str, why: str
) -> None:
    """base -> base -> <refused address>: the last hop fails authenticate with DCAAS-6002."""
    inner = f"{http.base}/redirect?to={quote(_url(address), safe='')}"
    url = f"{http.base}/redirect?to={quote(inner, safe='')}"
    context = ConnectorContext(
        outbound=LOCAL, connect_timeout=2.0, total_timeout=5.0, max_preview_bytes=10_000
    )
    connector = RestConnector({"url": url}, context)
    steps = Steps()
    seen = len(http.seen)
    try:
        await connector.test(steps)
    except StepFailed:
        pass
    finally:
        await connector.aclose()
    failed = [(r.name, r.code) for r in steps.results if r.status == "failed"]
    assert failed == [("authenticate", "DCAAS-6002")], why
    assert [s["path"] for s in http.seen[seen:]] == ["/redirect", "/redirect"]
