"""The link checker against a web site on 127.0.0.1, and its refusal of private targets.

Nothing here reaches the internet: the site is local, and where a test needs a "public" host
its network maps that host's (made-up) address to the local site and records every
connection, so a test also proves what was *not* connected to.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator

import pytest

from tests.freshness.local_site import LocalSite, local_site
from tours.link_checker import MAX_REDIRECTS, LinkChecker, Network, refusal_reason
from tours.models import LinkCheckOutcome

#: stands for a shop's server on the internet; the fake network sends it to the local site
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with local_site() as running:
        yield running


@pytest.fixture
def checker() -> LinkChecker:
    """A checker that may reach the loopback test site (as only the tests allow)."""
    return LinkChecker(timeout=2.0, deadline=10.0, allow_private=True)


class RecordingNetwork(Network):
    """Resolves only the names a test gives it (others fail as unknown) and records every
    connection; connections to :data:`PUBLIC_ADDRESS` go to the local site instead."""

    def __init__(self, names: dict[str, list[str]], site: LocalSite | None = None) -> None:
        self.names = names
        self.site = site
        self.connections: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int) -> list[str]:
        if host in self.names:
            return self.names[host]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "unknown in this test") from None
        return [host]

    def connect(self, address: str, port: int, timeout: float) -> socket.socket:
        self.connections.append((address, port))
        if address == PUBLIC_ADDRESS and self.site is not None:
            return socket.create_connection(("127.0.0.1", self.site.port), timeout=timeout)
        raise AssertionError(f"the checker connected to {address}:{port}")


# --- answers of the local site (private addresses allowed, as in the tests only) -----------


@pytest.mark.parametrize(("path", "outcome", "status"), [
    ("/ok", LinkCheckOutcome.OK, 200),
    ("/moved", LinkCheckOutcome.OK, 200),
    ("/moved-missing", LinkCheckOutcome.BROKEN, 404),
    ("/missing", LinkCheckOutcome.BROKEN, 404),
    ("/error", LinkCheckOutcome.BROKEN, 500),
    ("/no-location", LinkCheckOutcome.BROKEN, 302),
])
def test_answers_of_a_site(site, checker, path, outcome, status):
    result = checker.check(site.url(path))
    assert (result.outcome, result.status_code) == (outcome, status)


def test_a_redirect_is_followed_to_its_target(site, checker):
    result = checker.check(site.url("/moved"))
    assert result.chain == (site.url("/moved"), site.url("/ok"))
    assert result.detail == "200"


def test_a_redirect_loop_is_broken_after_the_limit(site, checker):
    result = checker.check(site.url("/loop"))
    assert result.outcome is LinkCheckOutcome.BROKEN
    assert result.detail == "too many redirects"
    assert len(result.chain) == MAX_REDIRECTS + 1


def test_a_refused_head_is_followed_by_a_get(site, checker):
    before = len(site.requests)
    result = checker.check(site.url("/no-head"))
    assert (result.outcome, result.status_code) == (LinkCheckOutcome.OK, 200)
    methods = [method for method, path, _agent in site.requests[before:] if path == "/no-head"]
    assert methods == ["HEAD", "GET"]


def test_the_checker_names_itself(site, checker):
    checker.check(site.url("/ok"))
    assert "FlaneurLinkChecker" in site.requests[-1][2]


def test_a_server_that_never_answers_is_unreachable_within_the_timeout(site):
    started = time.monotonic()
    result = LinkChecker(timeout=0.5, deadline=5.0, allow_private=True).check(site.url("/hang"))
    assert result.outcome is LinkCheckOutcome.UNREACHABLE
    assert result.detail == "timed out"
    assert time.monotonic() - started < 3


def test_the_deadline_bounds_the_whole_check(site):
    started = time.monotonic()
    result = LinkChecker(timeout=5.0, deadline=0.5, allow_private=True).check(site.url("/hang"))
    assert result.outcome is LinkCheckOutcome.UNREACHABLE
    assert time.monotonic() - started < 3


def test_a_closed_port_is_unreachable(checker):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = checker.check(f"http://127.0.0.1:{port}/")
    assert result.outcome is LinkCheckOutcome.UNREACHABLE


@pytest.mark.parametrize("url", ["ftp://example.org/", "javascript:alert(1)", "/relative",
                                 "http://", "http://host:99999/"])
def test_what_is_no_http_address_is_broken_without_a_connection(url):
    network = RecordingNetwork({})
    result = LinkChecker(network=network).check(url)
    assert result.outcome is LinkCheckOutcome.BROKEN
    assert network.connections == []


def test_an_unknown_name_is_unreachable():
    network = RecordingNetwork({})
    result = LinkChecker(network=network).check("https://no-such-shop.example/")
    assert result.outcome is LinkCheckOutcome.UNREACHABLE
    assert network.connections == []


# --- private targets (the default) --------------------------------------------------------


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1",  # noqa: S104 - an address to refuse, not to bind
    "255.255.255.255", "[::1]", "[::]",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:10.0.0.1]", "[fe80::1]", "[fc00::1]",
    "[2002:7f00:1::1]", "[64:ff9b::a9fe:a9fe]", "[ff02::1]",
])
def test_private_addresses_are_refused_without_a_connection(host):
    network = RecordingNetwork({})
    result = LinkChecker(network=network).check(f"http://{host}/latest/meta-data/")
    assert result.outcome is LinkCheckOutcome.REFUSED, result
    assert network.connections == []


def test_a_name_resolving_to_loopback_is_refused_with_the_system_resolver(site):
    """``localhost`` comes from the hosts file: the real resolver, still no internet."""
    result = LinkChecker().check(f"http://localhost:{site.port}/ok")
    assert result.outcome is LinkCheckOutcome.REFUSED
    assert "localhost is " in result.detail


def test_nothing_reaches_the_loopback_site_when_private_targets_are_refused(site):
    before = len(site.requests)
    for url in (site.url("/ok"), f"http://localhost:{site.port}/ok",
                f"http://[::ffff:127.0.0.1]:{site.port}/ok"):
        assert LinkChecker().check(url).outcome is LinkCheckOutcome.REFUSED
    assert site.requests[before:] == []


def test_a_host_with_one_private_address_among_public_ones_is_refused():
    network = RecordingNetwork({"mixed.example": [PUBLIC_ADDRESS, "10.0.0.8"]})
    result = LinkChecker(network=network).check("http://mixed.example/")
    assert result.outcome is LinkCheckOutcome.REFUSED
    assert network.connections == []


def test_a_redirect_into_the_private_network_is_refused(site):
    site.redirect_target = f"http://127.0.0.1:{site.port}/ok"
    network = RecordingNetwork({"shop.example": [PUBLIC_ADDRESS]}, site)
    before = len(site.requests)
    result = LinkChecker(network=network).check(f"http://shop.example:{site.port}/to")
    assert result.outcome is LinkCheckOutcome.REFUSED
    assert "127.0.0.1" in result.detail
    assert result.chain == (f"http://shop.example:{site.port}/to", site.redirect_target)
    # the first hop went to the "public" address (pinned: the local site), the second nowhere
    assert network.connections == [(PUBLIC_ADDRESS, site.port)]
    assert [path for _method, path, _agent in site.requests[before:]] == ["/to"]


def test_a_redirect_to_a_name_of_the_private_network_is_refused(site):
    site.redirect_target = "http://intranet.example/admin"
    network = RecordingNetwork({"shop.example": [PUBLIC_ADDRESS],
                                "intranet.example": ["10.20.30.40"]}, site)
    result = LinkChecker(network=network).check(f"http://shop.example:{site.port}/to")
    assert result.outcome is LinkCheckOutcome.REFUSED
    assert network.connections == [(PUBLIC_ADDRESS, site.port)]


def test_the_request_names_the_host_while_going_to_the_checked_address(site):
    site.redirect_target = "/ok"
    network = RecordingNetwork({"shop.example": [PUBLIC_ADDRESS]}, site)
    result = LinkChecker(network=network).check(f"http://shop.example:{site.port}/to")
    assert (result.outcome, result.status_code) == (LinkCheckOutcome.OK, 200)
    assert network.connections == [(PUBLIC_ADDRESS, site.port)] * 2
    assert site.hosts[-2:] == [f"shop.example:{site.port}"] * 2


@pytest.mark.parametrize("text", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111",
                                  "2002:0808:0808::1"])
def test_public_addresses_are_allowed(text):
    assert refusal_reason(ipaddress.ip_address(text)) is None
