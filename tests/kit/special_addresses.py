"""Test data: addresses from the IANA IPv4 and IPv6 special-purpose registries, with the
outbound policy's expected answer.

Each row is (address, expected, why). ``refused`` rows name the registry entry (or the
embedding form) that makes them unreachable for connectors; ``allowed`` rows are globally
routable. Written from the registries (iana.org/assignments/iana-ipv4-special-registry and
iana-ipv6-special-registry, checked 2025), not from the code, so the table can catch the
policy out. The policy refuses a few blocks that IANA marks globally reachable but where no
data source lives (anycast service addresses in 192.0.0.0/24 and 2001::/23): those rows say
so.
"""

from __future__ import annotations

REFUSED, ALLOWED = "refused", "allowed"

IPV4: list[tuple[str, str, str]] = [
    ("0.0.0.0", REFUSED, "0.0.0.0/32 this host"),  # noqa: S104 - refused, not bound
    ("0.1.2.3", REFUSED, "0.0.0.0/8 this network"),
    ("10.0.0.1", REFUSED, "10.0.0.0/8 private-use"),
    ("10.255.255.255", REFUSED, "10.0.0.0/8 private-use, last address"),
    ("100.64.0.1", REFUSED, "100.64.0.0/10 shared address space (CGN)"),
    ("100.127.255.254", REFUSED, "100.64.0.0/10 shared address space, end"),
    ("100.100.100.200", REFUSED, "Alibaba Cloud metadata (in 100.64.0.0/10)"),
    ("127.0.0.1", REFUSED, "127.0.0.0/8 loopback"),
    ("127.255.255.254", REFUSED, "127.0.0.0/8 loopback, end"),
    ("169.254.169.254", REFUSED, "169.254.0.0/16 link-local: cloud metadata"),
    ("169.254.0.1", REFUSED, "169.254.0.0/16 link-local"),
    ("172.16.0.1", REFUSED, "172.16.0.0/12 private-use"),
    ("172.31.255.254", REFUSED, "172.16.0.0/12 private-use, end"),
    ("192.0.0.1", REFUSED, "192.0.0.0/24 IETF protocol assignments"),
    ("192.0.0.8", REFUSED, "192.0.0.8/32 IPv4 dummy address"),
    ("192.0.0.9", REFUSED, "192.0.0.9/32 PCP anycast: global per IANA, refused with its /24"),
    ("192.0.0.10", REFUSED, "192.0.0.10/32 TURN anycast: global per IANA, refused with its /24"),
    ("192.0.0.170", REFUSED, "192.0.0.170/32 NAT64/DNS64 discovery"),
    ("192.0.2.1", REFUSED, "192.0.2.0/24 documentation (TEST-NET-1)"),
    ("192.88.99.1", REFUSED, "192.88.99.0/24 deprecated 6to4 relay anycast"),
    ("192.168.1.1", REFUSED, "192.168.0.0/16 private-use"),
    ("198.18.0.1", REFUSED, "198.18.0.0/15 benchmarking"),
    ("198.19.255.254", REFUSED, "198.18.0.0/15 benchmarking, end"),
    ("198.51.100.1", REFUSED, "198.51.100.0/24 documentation (TEST-NET-2)"),
    ("203.0.113.1", REFUSED, "203.0.113.0/24 documentation (TEST-NET-3)"),
    ("224.0.0.1", REFUSED, "224.0.0.0/4 multicast"),
    ("239.255.255.250", REFUSED, "224.0.0.0/4 multicast (SSDP)"),
    ("240.0.0.1", REFUSED, "240.0.0.0/4 reserved"),
    ("255.255.255.255", REFUSED, "255.255.255.255/32 limited broadcast"),
    ("8.8.8.8", ALLOWED, "public unicast"),
    ("1.1.1.1", ALLOWED, "public unicast"),
    ("100.63.255.255", ALLOWED, "just below 100.64.0.0/10"),
    ("100.128.0.0", ALLOWED, "just above 100.64.0.0/10"),
    ("172.15.255.255", ALLOWED, "just below 172.16.0.0/12"),
    ("172.32.0.0", ALLOWED, "just above 172.16.0.0/12"),
    ("192.31.196.1", ALLOWED, "192.31.196.0/24 AS112-v4: globally reachable"),
    ("192.52.193.1", ALLOWED, "192.52.193.0/24 AMT: globally reachable"),
    ("192.175.48.1", ALLOWED, "192.175.48.0/24 direct delegation AS112: globally reachable"),
]

IPV6: list[tuple[str, str, str]] = [
    ("::1", REFUSED, "::1/128 loopback"),
    ("::", REFUSED, "::/128 unspecified"),
    ("::ffff:127.0.0.1", REFUSED, "::ffff:0:0/96 IPv4-mapped loopback"),
    ("::ffff:169.254.169.254", REFUSED, "::ffff:0:0/96 IPv4-mapped metadata"),
    ("::ffff:10.0.0.1", REFUSED, "::ffff:0:0/96 IPv4-mapped private"),
    ("::ffff:0:a9fe:a9fe", REFUSED, "::ffff:0:0:0/96 IPv4-translated metadata"),
    ("::ffff:0:808:808", REFUSED, "::ffff:0:0:0/96 IPv4-translated: deprecated, in ::/8"),
    ("::a9fe:a9fe", REFUSED, "::/96 IPv4-compatible metadata (deprecated form)"),
    ("::127.0.0.1", REFUSED, "::/96 IPv4-compatible loopback"),
    ("::8.8.8.8", REFUSED, "::/96 IPv4-compatible: deprecated, in ::/8 reserved"),
    ("64:ff9b::a9fe:a9fe", REFUSED, "64:ff9b::/96 NAT64 well-known prefix to metadata"),
    ("64:ff9b::7f00:1", REFUSED, "64:ff9b::/96 NAT64 to loopback"),
    ("64:ff9b::c0a8:101", REFUSED, "64:ff9b::/96 NAT64 to 192.168.1.1"),
    ("64:ff9b:1::a9fe:a9fe", REFUSED, "64:ff9b:1::/48 local-use NAT64"),
    ("64:ff9b:1::808:808", REFUSED, "64:ff9b:1::/48 local-use NAT64, even to a public host"),
    ("100::1", REFUSED, "100::/64 discard-only"),
    ("100:0:0:1::1", REFUSED, "100:0:0:1::/64 dummy IPv6 prefix"),
    ("2001::1", REFUSED, "2001::/32 Teredo (server 0.0.0.0)"),
    ("2001:0:808:808::5601:5601", REFUSED, "2001::/32 Teredo, client 169.254.169.254 (XOR)"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", REFUSED, "2001::/32 Teredo to a public client"),
    ("2001:1::1", REFUSED, "2001:1::1/128 PCP anycast: global per IANA, refused with 2001::/23"),
    ("2001:2::1", REFUSED, "2001:2::/48 benchmarking"),
    ("2001:3::1", REFUSED, "2001:3::/32 AMT: global per IANA, refused with 2001::/23"),
    ("2001:10::1", REFUSED, "2001:10::/28 deprecated ORCHID"),
    ("2001:20::1", REFUSED, "2001:20::/28 ORCHIDv2: global per IANA, refused with 2001::/23"),
    ("2001:db8::1", REFUSED, "2001:db8::/32 documentation"),
    ("2002:a9fe:a9fe::1", REFUSED, "2002::/16 6to4 around metadata"),
    ("2002:7f00:1::1", REFUSED, "2002::/16 6to4 around loopback"),
    ("2002:c0a8:101::1", REFUSED, "2002::/16 6to4 around 192.168.1.1"),
    ("3fff::1", REFUSED, "3fff::/20 documentation"),
    ("5f00::1", REFUSED, "5f00::/16 segment routing (SRv6) SIDs"),
    ("fc00::1", REFUSED, "fc00::/7 unique-local"),
    ("fd00:ec2::254", REFUSED, "fc00::/7 unique-local: AWS metadata over IPv6"),
    ("fe80::1", REFUSED, "fe80::/10 link-local"),
    ("febf::1", REFUSED, "fe80::/10 link-local, end"),
    ("fec0::1", REFUSED, "fec0::/10 site-local (deprecated)"),
    ("ff02::1", REFUSED, "ff00::/8 multicast"),
    ("4000::1", REFUSED, "outside 2000::/3 global unicast: reserved by IETF"),
    ("::ffff:8.8.8.8", ALLOWED, "IPv4-mapped public address"),
    ("64:ff9b::808:808", ALLOWED, "64:ff9b::/96 NAT64 to a public address: globally reachable"),
    ("2002:808:808::1", ALLOWED, "2002::/16 6to4 around a public address"),
    ("2606:4700:4700::1111", ALLOWED, "public unicast"),
    ("2620:4f:8000::1", ALLOWED, "2620:4f:8000::/48 direct delegation AS112: globally reachable"),
]

ALL = IPV4 + IPV6
