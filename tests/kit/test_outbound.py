"""The outbound policy: which addresses connectors may reach, after DNS resolution."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError
from tests.kit import special_addresses

from dcaas.config import Settings
from dcaas.kit.outbound import HostNotFound, OutboundPolicy, OutboundRefused

DEFAULT = OutboundPolicy()


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "cloud metadata"),
        ("10.0.0.1", "private"),
        ("[::1]", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - refused, not bound
        ("fd00:ec2::254", "cloud metadata"),
        ("192.168.1.1", "private"),
    ],
)
async def test_default_policy_refuses_internal_addresses(host: str, reason: str) -> None:
    """Loopback, private, link-local, metadata and unspecified addresses are refused."""
    with pytest.raises(OutboundRefused) as raised:
        await DEFAULT.resolve(host, 80)
    assert raised.value.reason == reason
    assert "DCAAS_OUTBOUND_ALLOW" in str(raised.value)


async def test_a_name_is_checked_after_resolution() -> None:
    """localhost resolves to loopback and is refused like 127.0.0.1 itself."""
    with pytest.raises(OutboundRefused):
        await DEFAULT.resolve("localhost", 80)


async def test_public_address_passes() -> None:
    """A public address literal is allowed and returned as is."""
    assert await DEFAULT.resolve("8.8.8.8", 53) == ["8.8.8.8"]


async def test_allow_list_opens_only_the_named_network() -> None:
    """127.0.0.1/32 allows 127.0.0.1 but not 127.0.0.2 nor ::1."""
    policy = OutboundPolicy.parse("127.0.0.1/32")
    assert await policy.resolve("127.0.0.1", 80) == ["127.0.0.1"]
    for host in ("127.0.0.2", "::1", "169.254.169.254"):
        with pytest.raises(OutboundRefused):
            await policy.resolve(host, 80)


async def test_unknown_name_is_host_not_found() -> None:
    """A name that does not resolve raises HostNotFound."""
    with pytest.raises(HostNotFound):
        await DEFAULT.resolve("no-such-host.invalid", 80)


def test_settings_refuse_a_bad_allow_list() -> None:
    """An invalid DCAAS_OUTBOUND_ALLOW fails settings validation at startup."""
    with pytest.raises(ValidationError):
        Settings(outbound_allow="127.0.0.1/33")
    assert Settings(outbound_allow="10.0.0.0/8, ::1").outbound.allow


@pytest.mark.parametrize(("address", "expected", "why"), special_addresses.ALL)
def test_special_purpose_address_table(address: str, expected: str, why: str) -> None:
    """Every row of the IANA special-purpose table gets the answer the table expects."""
    try:
        DEFAULT.check_address(address, ipaddress.ip_address(address))
    except OutboundRefused as refused:
        outcome, reason = special_addresses.REFUSED, refused.reason
    else:
        outcome, reason = special_addresses.ALLOWED, ""
    assert outcome == expected, f"{address} ({why}): {reason or 'allowed'}"


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("64:ff9b::a9fe:a9fe", "cloud metadata (via NAT64 169.254.169.254)"),
        ("2002:a9fe:a9fe::1", "cloud metadata (via 6to4 169.254.169.254)"),
        ("::a9fe:a9fe", "cloud metadata (via IPv4-compatible 169.254.169.254)"),
        ("::ffff:0:a9fe:a9fe", "cloud metadata (via IPv4-translated 169.254.169.254)"),
        ("2001:0:808:808::5601:5601", "cloud metadata (via Teredo 169.254.169.254)"),
    ],
)
def test_embedded_ipv4_is_named_in_the_refusal(address: str, shown: str) -> None:
    """A refusal of an IPv4-in-IPv6 form names the IPv4 address it carries."""
    with pytest.raises(OutboundRefused) as raised:
        DEFAULT.check_address(address, ipaddress.ip_address(address))
    assert raised.value.reason == shown


def test_allow_list_opens_an_embedding_prefix_only_when_named() -> None:
    """Allowing 169.254.0.0/16 lets ::ffff:169.254.x (the same host) through, not its NAT64
    form; allowing 64:ff9b::/96 itself does."""
    v4_only = OutboundPolicy.parse("169.254.0.0/16")
    v4_only.check_address("m", ipaddress.ip_address("::ffff:169.254.169.254"))
    with pytest.raises(OutboundRefused):
        v4_only.check_address("n", ipaddress.ip_address("64:ff9b::a9fe:a9fe"))
    OutboundPolicy.parse("64:ff9b::/96").check_address(
        "n", ipaddress.ip_address("64:ff9b::a9fe:a9fe")
    )
