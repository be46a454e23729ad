"""urllib3 connections that connect only where the outbound policy allows.

boto3 and google-cloud-storage both speak HTTP through urllib3 and resolve host names
themselves. The pools made here connect each new socket to an address checked by the
:class:`~dcaas.kit.outbound.OutboundPolicy`: the addresses pinned for a host by the
connector's ``resolve-host`` step (so the test and the calls after it use the same address),
or, for any other host (a redirect, a token endpoint), a fresh resolution checked the same
way. TLS still verifies the certificate against the host name, not the address.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING, Any

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from dcaas.kit.outbound import HostNotFound, OutboundPolicy

if TYPE_CHECKING:
    from collections.abc import Mapping


class Pins:
    """Host name -> the checked addresses to connect to, plus the policy for other hosts."""

    def __init__(self, policy: OutboundPolicy, pinned: Mapping[str, list[str]]) -> None:
        self.policy = policy
        self.pinned = {host.lower(): list(addrs) for host, addrs in pinned.items()}

    def addresses(self, host: str, port: int) -> list[str]:
        """Checked addresses for ``host``; runs in a worker thread, so resolving blocks."""
        host = host.rstrip(".").strip("[]").lower()
        if host in self.pinned:
            return self.pinned[host]
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise HostNotFound(host) from None
        out: list[str] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            self.policy.check_address(host, address)
            out.append(str(address))
        return out


def _pinned_connection(base: type[Any], pins: Pins) -> type[Any]:
    class PinnedConnection(base):  # type: ignore[misc]
        def _new_conn(self) -> socket.socket:
            last: BaseException | None = None
            name: str = getattr(self, "_dns_host")  # noqa: B009 - set by urllib3, untyped here
            for address in pins.addresses(name, self.port):
                # urllib3 connects to ``_dns_host``; ``host`` (SNI, certificate check,
                # Host header) is read from it too, so it is swapped only for the connect.
                self._dns_host = address
                try:
                    sock: socket.socket = super()._new_conn()
                except Exception as exc:  # noqa: BLE001 - try the next checked address
                    last = exc
                    continue
                finally:
                    self._dns_host = name
                return sock
            raise last or HostNotFound(name)

    return PinnedConnection


def pinned_pools(
    pins: Pins,
    http: type[HTTPConnectionPool] = HTTPConnectionPool,
    https: type[HTTPSConnectionPool] = HTTPSConnectionPool,
) -> dict[str, type[Any]]:
    """``pool_classes_by_scheme`` for a urllib3 ``PoolManager``, connecting through ``pins``."""
    http_conn = _pinned_connection(http.ConnectionCls, pins)
    https_conn = _pinned_connection(https.ConnectionCls, pins)
    http_pool = type("PinnedHTTPPool", (http,), {"ConnectionCls": http_conn})
    https_pool = type("PinnedHTTPSPool", (https,), {"ConnectionCls": https_conn})
    return {"http": http_pool, "https": https_pool}
