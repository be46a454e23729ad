"""Pinned urllib3 pools: sockets go only to addresses the outbound policy checked."""

from __future__ import annotations

import pytest
import urllib3
from tests.connectors.drivers import servers

from dcaas.connectors.drivers.pinning import Pins, pinned_pools
from dcaas.kit.outbound import OutboundPolicy, OutboundRefused


def manager(pins: Pins) -> urllib3.PoolManager:
    pool = urllib3.PoolManager(retries=False)
    pool.pool_classes_by_scheme = pinned_pools(pins)
    return pool


def test_pinned_name_connects_to_its_pinned_address(moto):
    """A name that does not resolve reaches the server through its pinned address."""
    port = int(moto.endpoint.rsplit(":", 1)[1])
    pins = Pins(OutboundPolicy(), {"s3.pinned.invalid": ["127.0.0.1"]})
    response = manager(pins).request("GET", f"http://s3.pinned.invalid:{port}/moto-api/")
    assert response.status < 500


def test_unpinned_loopback_is_refused_by_the_default_policy(moto):
    """An unpinned host (a redirect target, say) is resolved and checked: loopback refused."""
    port = int(moto.endpoint.rsplit(":", 1)[1])
    with pytest.raises(OutboundRefused):
        manager(Pins(OutboundPolicy(), {})).request("GET", f"http://localhost:{port}/")


def test_unpinned_host_allowed_by_policy_connects(moto):
    """An unpinned host whose addresses the policy allows is reached."""
    port = int(moto.endpoint.rsplit(":", 1)[1])
    pins = Pins(OutboundPolicy.parse("127.0.0.1/32"), {})
    response = manager(pins).request("GET", f"http://127.0.0.1:{port}/moto-api/")
    assert response.status < 500


def test_closed_pinned_port_raises_a_connection_error():
    """A pinned address with nothing listening fails like any refused connection."""
    pins = Pins(OutboundPolicy(), {"x.invalid": ["127.0.0.1"]})
    with pytest.raises(urllib3.exceptions.NewConnectionError):
        manager(pins).request("GET", f"http://x.invalid:{servers.closed_port()}/")
