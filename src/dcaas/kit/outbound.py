"""Where connectors may connect: refuse loopback, private, link-local and metadata targets.

Every connector resolves its target through :meth:`OutboundPolicy.resolve` and connects to
one of the addresses it returns, so the check holds after DNS resolution (a name that
resolves to 127.0.0.1 is refused like 127.0.0.1 itself). HTTP connectors check every
redirect hop the same way. Operators allow chosen networks with ``DCAAS_OUTBOUND_ALLOW``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Addresses that are not "global" are refused; these are named in the refusal message.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}


class OutboundRefused(Exception):
    """The target resolves to an address connectors may not reach."""

    def __init__(self, host: str, address: IPAddress, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        super().__init__(
            f"{host} resolves to {address}, a {reason} address; connections there are refused "
            "unless the operator allows the network in DCAAS_OUTBOUND_ALLOW"
        )


class HostNotFound(Exception):
    """The host name does not resolve."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"the host name {host!r} does not resolve")


def _normalise(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _reason(address: IPAddress) -> str | None:  # noqa: PLR0911 - a table: one return per class
    """Why an address is refused by default, or None when it is a public address."""
    if address in _METADATA:
        return "cloud metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    """The networks that are allowed although they are not public."""

    allow: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, text: str) -> OutboundPolicy:
        """``"127.0.0.1/32, ::1/128"`` -> a policy; a bad network raises ``ValueError``."""
        nets = tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in text.split(",")
            if part.strip()
        )
        return cls(nets)

    def check_address(self, host: str, address: IPAddress) -> None:
        """Raise :class:`OutboundRefused` unless the address may be reached."""
        address = _normalise(address)
        if any(address in net for net in self.allow):
            return
        reason = _reason(address)
        if reason is not None:
            raise OutboundRefused(host, address, reason)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and check every address; return them (connect to one of these).

        All addresses must pass: a name with one public and one private address is refused,
        so that a client picking the other address cannot be steered inside.
        """
        host = host.strip("[]")
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            self.check_address(host, literal)
            return [str(_normalise(literal))]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise HostNotFound(host) from None
        addresses: list[str] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            self.check_address(host, address)
            text = str(_normalise(address))
            if text not in addresses:
                addresses.append(text)
        if not addresses:
            raise HostNotFound(host)
        return addresses
