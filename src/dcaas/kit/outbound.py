"""Where connectors may connect: only to globally routable addresses, unless allowed.

Refused by default: every network of the IANA IPv4 and IPv6 special-purpose registries
(loopback, private, link-local, shared, documentation, benchmarking, ...), multicast,
site-local and anything outside IPv6 global unicast, plus cloud metadata addresses. An IPv6
address that carries an IPv4 address (mapped, translated, compatible, NAT64, 6to4, Teredo)
is refused when the IPv4 address is.

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPv4 = ipaddress.IPv4Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The address is refused when it falls in one of these networks (the IANA IPv4 and IPv6
# special-purpose registries, plus multicast, site-local and what lies outside IPv6 global
# unicast). The first match names the reason, so the more specific networks come first.
# Networks that IANA marks globally reachable but where no data source lives (anycast
# service addresses inside 192.0.0.0/24 and 2001::/23) are refused with their block.
_V4_REFUSED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "this-network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)
_V6_REFUSED: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("::/8", "reserved"),
    ("100::/64", "discard-only"),
    ("100:0:0:1::/64", "dummy"),
    ("2001::/32", "Teredo"),
    ("2001::/23", "IETF protocol assignment"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment-routing"),
    ("fc00::/7", "private (unique local)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_V4_NETS = tuple((ipaddress.IPv4Network(n), r) for n, r in _V4_REFUSED)
_V6_NETS = tuple((ipaddress.IPv6Network(n), r) for n, r in _V6_REFUSED)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
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
    """An IPv4-mapped IPv6 address is its IPv4 address (the socket reaches that host)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _last32(packed: bytes) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(packed[12:])]


def _sixtofour(packed: bytes) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(packed[2:6])]


def _teredo(packed: bytes) -> list[ipaddress.IPv4Address]:
    client = int.from_bytes(packed[12:], "big") ^ 0xFFFFFFFF  # the client's address is XOR'd
    return [ipaddress.IPv4Address(packed[4:8]), ipaddress.IPv4Address(client)]


# IPv6 forms that carry an IPv4 address, and where it sits. Mapped and NAT64's well-known
# prefix reach exactly that IPv4 host; the others are deprecated or tunnels to it.
_EMBEDDING: tuple[tuple[ipaddress.IPv6Network, str, Callable[[bytes], list[IPv4]]], ...] = (
    (ipaddress.IPv6Network("::ffff:0:0/96"), "IPv4-mapped", _last32),
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), "IPv4-translated", _last32),
    (ipaddress.IPv6Network("::/96"), "IPv4-compatible", _last32),
    (_NAT64, "NAT64", _last32),
    (ipaddress.IPv6Network("2002::/16"), "6to4", _sixtofour),
    (ipaddress.IPv6Network("2001::/32"), "Teredo", _teredo),
)
# Reach exactly the IPv4 address they carry: judged by it alone.
_TRANSPARENT = (ipaddress.IPv6Network("::ffff:0:0/96"), _NAT64)


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, list[IPv4]] | None:
    """The form and the IPv4 address(es) an IPv6 address carries, or None.

    Mapped (``::ffff:a.b.c.d``), translated (``::ffff:0:a.b.c.d``), compatible
    (``::a.b.c.d``), NAT64's well-known prefix (``64:ff9b::a.b.c.d``), 6to4
    (``2002:AABB:CCDD::``) and Teredo (its server, and its client XOR ``0xffffffff``).
    """
    for net, form, extract in _EMBEDDING:
        if address in net:
            return form, extract(address.packed)
    return None


def _v4_reason(address: IPv4) -> str | None:
    if address in _METADATA:
        return "cloud metadata"
    for net, reason in _V4_NETS:
        if address in net:
            return reason
    return None if address.is_global else "reserved"


def _v6_reason(address: ipaddress.IPv6Address) -> str | None:
    for net, reason in _V6_NETS:
        if address in net:
            return reason
    return None if address in _GLOBAL_UNICAST else "reserved"


def refusal_reason(address: IPAddress) -> str | None:
    """Why the default policy refuses an address, or None when it is globally routable.

    An IPv6 address that carries an IPv4 address is refused when the IPv4 address is:
    ``64:ff9b::a9fe:a9fe`` is refused as the metadata address it reaches.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return _v4_reason(address)
    if address in _METADATA:
        return "cloud metadata"
    if address.is_loopback or address.is_unspecified:  # ::1 and :: are not IPv4-compatible
        return _v6_reason(address)
    embedded = embedded_ipv4(address)
    if embedded is not None:
        form, inner = embedded
        for ipv4 in inner:
            if (reason := _v4_reason(ipv4)) is not None:
                return f"{reason} (via {form} {ipv4})"
        if any(address in net for net in _TRANSPARENT):
            return None
    return _v6_reason(address)


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
        reason = refusal_reason(address)
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
