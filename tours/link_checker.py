"""Checking one web address of a shop without letting the check reach into the city's network.

The checker is a server-side request to an address somebody typed, the classic way into the
network behind a server (SSRF). So, for the first address and for every redirect:

- only ``http`` and ``https`` on their standard or a given port are tried;
- the host is resolved once, and the check is refused when *any* of its addresses is not a
  public unicast one (private, loopback, link-local — with the cloud metadata address
  169.254.169.254 —, shared CGNAT space 100.64.0.0/10, multicast, reserved, unspecified, and
  IPv6 forms that embed such an IPv4 address: IPv4-mapped, 6to4, Teredo, NAT64);
- the connection goes to exactly the address that was checked (the host name is sent in the
  ``Host`` header and, for https, used for SNI and the certificate check), so a second DNS
  answer (DNS rebinding) cannot switch it to an internal machine;
- redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each checked the same way.

``HEAD`` is tried first; a server that refuses it (405, 501) gets a ``GET`` of which at most
:data:`MAX_BODY_BYTES` are read. Every attempt (connect and read) has a time limit, and the
whole check a deadline. Nothing here knows Flask: network access comes through a
:class:`Network` whose default uses the operating system, and tests hand in their own.

``allow_private`` turns the address rules off. Only the tests do that (their server listens on
127.0.0.1); the application refuses to start with it in production.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from tours.models.shops import LinkCheckOutcome

#: how often a chain of redirects may be followed before the link counts as broken
MAX_REDIRECTS = 5
#: how much of a GET answer is read (the status is what matters)
MAX_BODY_BYTES = 4096
DEFAULT_TIMEOUT_SECONDS = 10.0
#: the whole check, redirects and the GET after a refused HEAD included
DEFAULT_DEADLINE_SECONDS = 45.0
USER_AGENT = "FlaneurLinkChecker/1.0 (checks shop links for a city walk)"
#: the address families' shared spaces that ``is_global`` alone does not cover in every Python
_NOT_PUBLIC = (
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT, shared address space
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
)
#: the well-known NAT64 prefix, whose last 32 bits are the IPv4 address it stands for
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: the local-use translation prefix (RFC 8215): a network's own NAT64 into its own addresses,
#: with the IPv4 address split around bits 64..71, never a public address (older Pythons call
#: it global)
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CheckResult:
    """What a check found: the outcome, the last HTTP status (if any) and a short reason."""

    outcome: LinkCheckOutcome
    status_code: int | None = None
    detail: str = ""
    #: every address asked for, the first one and each redirect target, in order
    chain: tuple[str, ...] = field(default=())


def refusal_reason(address: Address) -> str | None:
    """Why the checker must not connect to ``address``, or None for a public unicast one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return "local-use translation prefix"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal_reason(embedded)
            return None if inner is None and address.is_global else (
                inner or "not a public address")
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (any(address in network for network in _NOT_PUBLIC
             if network.version == address.version), "not public"),
        (not address.is_global, "not public"),
    )
    for refused, reason in checks:
        if refused:
            return reason
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class Network:
    """How the checker reaches the network: name resolution and opening a TCP connection.

    The default asks the operating system. Tests replace it to map names to the loopback test
    server and to record every connection, so no test ever reaches the real internet.
    """

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` (raises ``OSError`` when the name does not resolve)."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def connect(self, address: str, port: int, timeout: float) -> socket.socket:
        """A TCP connection to exactly ``address``:``port``."""
        return socket.create_connection((address, port), timeout=timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address while the request names the original host."""

    def __init__(self, host: str, port: int, *, address: str, network: Network,
                 timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._network = network

    def connect(self) -> None:
        self.sock = self._network.connect(self._address, self.port, self.timeout or 10.0)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The https twin: TLS with SNI and the certificate checked for the original host name."""

    def __init__(self, host: str, port: int, *, address: str, network: Network,
                 timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._network = network
        self._context = context

    def connect(self) -> None:
        raw = self._network.connect(self._address, self.port, self.timeout or 10.0)
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class _Stop(Exception):
    """Ends a check early with its result."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.detail)
        self.result = result


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _parse(url: str) -> _Target | None:
    """``url`` split into what a request needs, or None when it is no usable http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    try:
        # international names go out in their ASCII form; http.client refuses anything else
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if any(c in ascii_host for c in "\\%@/ \t\r\n"):
        return None
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(parts.scheme, ascii_host, port or (443 if parts.scheme == "https" else 80),
                   path)


class _Watchdog:
    """Shuts a connection's socket down when its attempt runs out of time, so that even a
    server dripping one byte at a time cannot hold the check past its limit."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self._connection = connection
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


class LinkChecker:
    """Checks web addresses; one instance may check many (it holds only settings)."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        allow_private: bool = False,
        network: Network | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = USER_AGENT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout <= 0 or deadline <= 0:
            raise ValueError("timeout and deadline must be positive")
        self.timeout = timeout
        self.deadline = deadline
        self.allow_private = allow_private
        self.network = network or Network()
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.user_agent = user_agent
        self._clock = clock

    def check(self, url: str) -> CheckResult:
        """Check ``url`` and every redirect it leads to; never raises for network trouble."""
        ends_at = self._clock() + self.deadline
        chain: list[str] = []
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                chain.append(current)
                step = self._hop(current, ends_at, first=len(chain) == 1)
                if isinstance(step, CheckResult):
                    return CheckResult(step.outcome, step.status_code, step.detail,
                                       tuple(chain))
                current = step
        except _Stop as stop:
            return CheckResult(stop.result.outcome, stop.result.status_code, stop.result.detail,
                               tuple(chain))
        return CheckResult(LinkCheckOutcome.BROKEN, None, "too many redirects", tuple(chain))

    def _hop(self, url: str, ends_at: float, *, first: bool) -> CheckResult | str:
        """Ask ``url``: the result, or the address it redirects to."""
        target = _parse(url)
        if target is None:
            return CheckResult(LinkCheckOutcome.BROKEN, None,
                               "not an http(s) address" if first else "invalid redirect")
        address = self._checked_address(target)
        status, location = self._ask(target, address, ends_at)
        if 200 <= status < 300:
            return CheckResult(LinkCheckOutcome.OK, status, str(status))
        if 300 <= status < 400:
            if not location:
                return CheckResult(LinkCheckOutcome.BROKEN, status, "invalid redirect")
            try:
                return urljoin(url, location.strip())
            except ValueError:
                return CheckResult(LinkCheckOutcome.BROKEN, status, "invalid redirect")
        return CheckResult(LinkCheckOutcome.BROKEN, status, str(status))

    # --- one hop ------------------------------------------------------------------------------

    def _checked_address(self, target: _Target) -> str:
        """The address to connect to: every address of the host checked, the first usable."""
        try:
            found = self.network.resolve(target.host, target.port)
        except (OSError, UnicodeError) as error:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                    f"{target.host} does not resolve ({_short(error)})")
                        ) from None
        addresses: list[Address] = []
        for text in found:
            try:
                addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
            except ValueError:
                raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                        f"{target.host} resolves to {text!r}")) from None
        if not addresses:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                    f"{target.host} has no address"))
        if not self.allow_private:
            for address in addresses:
                reason = refusal_reason(address)
                if reason is not None:
                    raise _Stop(CheckResult(LinkCheckOutcome.REFUSED, None,
                                            f"{target.host} is {address} ({reason})"))
        return str(addresses[0])

    def _ask(self, target: _Target, address: str, ends_at: float) -> tuple[int, str | None]:
        """HEAD, and GET when HEAD is refused; the status and the Location header."""
        status, location = self._request("HEAD", target, address, ends_at)
        if status in (405, 501):
            status, location = self._request("GET", target, address, ends_at)
        return status, location

    def _request(self, method: str, target: _Target, address: str, ends_at: float
                 ) -> tuple[int, str | None]:
        remaining = ends_at - self._clock()
        if remaining <= 0:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None, "timed out"))
        limit = min(self.timeout, remaining)
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(target.host, target.port, address=address,
                                                network=self.network, timeout=limit,
                                                context=self.ssl_context)
        else:
            connection = _PinnedHTTPConnection(target.host, target.port, address=address,
                                               network=self.network, timeout=limit)
        watchdog = _Watchdog(connection, limit)
        try:
            with watchdog:
                connection.request(method, target.path, headers={
                    "User-Agent": self.user_agent, "Accept": "*/*",
                    "Accept-Encoding": "identity", "Connection": "close"})
                response = connection.getresponse()
                if method == "GET":
                    response.read(MAX_BODY_BYTES)
                return response.status, response.getheader("Location")
        except ssl.SSLError as error:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                    f"TLS failed ({_short(error)})")) from None
        except TimeoutError:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None, "timed out")) from None
        except ConnectionRefusedError:
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                    "connection refused")) from None
        except (OSError, http.client.HTTPException, ValueError) as error:
            if watchdog.fired:
                raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                        "timed out")) from None
            if isinstance(error, http.client.InvalidURL | ValueError):
                raise _Stop(CheckResult(LinkCheckOutcome.BROKEN, None,
                                        "invalid address")) from None
            raise _Stop(CheckResult(LinkCheckOutcome.UNREACHABLE, None,
                                    _short(error) or type(error).__name__)) from None
        finally:
            connection.close()


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:120]


def check_url(url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
              deadline: float = DEFAULT_DEADLINE_SECONDS, allow_private: bool = False,
              network: Network | None = None) -> CheckResult:
    """Check one address with a fresh :class:`LinkChecker` (see there)."""
    return LinkChecker(timeout=timeout, deadline=deadline, allow_private=allow_private,
                       network=network).check(url)

