"""The link checker's address rules, beyond the common forms: a network's own NAT64 prefix
(RFC 8215) leads into its own IPv4 space whatever the address seems to embed, and no check
connects there."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from tours.link_checker import LinkChecker, Network, refusal_reason
from tours.models import LinkCheckOutcome


class Recording(Network):
    """Resolves nothing by DNS (only address literals reach it) and records connections."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []

    def connect(self, address: str, port: int, timeout: float) -> socket.socket:
        self.connections.append((address, port))
        raise ConnectionRefusedError


@pytest.mark.parametrize("text", [
    # 10.0.0.1 in the /48 form (split around the u-octet), with public-looking last 32 bits
    "64:ff9b:1:a00:0:100:808:808",
    "64:ff9b:1::808:808",
    "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
])
def test_the_local_use_translation_prefix_is_never_public(text: str) -> None:
    assert refusal_reason(ipaddress.ip_address(text)) is not None


def test_a_check_never_connects_into_the_local_use_prefix() -> None:
    network = Recording()
    checker = LinkChecker(network=network, timeout=1, deadline=2)

    result = checker.check("http://[64:ff9b:1:a00:0:100:808:808]/")

    assert result.outcome is LinkCheckOutcome.REFUSED
    assert network.connections == []


@pytest.mark.parametrize("text", ["64:ff9b::808:808", "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_behind_the_well_known_translations_stay_allowed(text: str) -> None:
    assert refusal_reason(ipaddress.ip_address(text)) is None


@pytest.mark.parametrize("text", ["64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe"])
def test_the_well_known_nat64_prefix_is_judged_by_the_address_it_embeds(text: str) -> None:
    assert refusal_reason(ipaddress.ip_address(text)) is not None
