"""An httpx client that can only reach what the outbound policy allows.

Two checks, on purpose:

* the transport checks every request's host before sending it, so every redirect hop is
  refused with :class:`~dcaas.kit.outbound.OutboundRefused` before anything is sent;
* the network backend opens every TCP connection itself, to an address the policy
  returned, so a name that resolves differently a second time (DNS rebinding) still
  cannot steer a connection inside.

Proxies from the environment are ignored (``trust_env=False``): a proxy would make the
policy check the proxy instead of the target.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dcaas.kit.outbound import OutboundPolicy

MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses :meth:`OutboundPolicy.resolve` returned."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc  # try the host's next address
        raise last or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002
        timeout: float | None = None,  # noqa: ARG002, ASYNC109
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable by connectors")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PolicyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a :class:`PolicyBackend`, checking each request's host first."""

    def __init__(self, policy: OutboundPolicy, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        self.policy = policy
        # The parent builds its pool without a way to pass a network backend: replace it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=10,
            max_keepalive_connections=5,
            network_backend=PolicyBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"the scheme {url.scheme!r} is not supported")
        await self.policy.resolve(url.host, url.port or _DEFAULT_PORTS[url.scheme])
        return await super().handle_async_request(request)


def outbound_client(
    policy: OutboundPolicy,
    *,
    connect_timeout: float,
    total_timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    max_redirects: int = MAX_REDIRECTS,
    follow_redirects: bool = True,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for connectors: policy-checked, timed out, redirects capped.

    ``total_timeout`` bounds each read and write; callers bound a whole call with
    ``asyncio.timeout`` as well, since a server can trickle bytes forever.
    """
    context = ssl_context or ssl.create_default_context()
    return httpx.AsyncClient(
        transport=PolicyTransport(policy, context),
        timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
        **kwargs,
    )
