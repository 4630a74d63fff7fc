"""A small web site on 127.0.0.1 for the link checker: pages that work, redirect, fail,
refuse HEAD, and one that accepts a request and never answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: how long the hanging page keeps a connection before giving up (the tests' limits are far
#: shorter; this only frees the server's thread at the end)
HANG_SECONDS = 20


@dataclass
class LocalSite:
    """The running site: its base URL and the requests it got (method, path, user agent)."""

    base: str
    port: int
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    #: the Host header of each request
    hosts: list[str] = field(default_factory=list)
    #: where /to redirects (the tests set it: a private address, another host…)
    redirect_target: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _handler(site: LocalSite, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, location: str | None = None, body: bytes = b"") -> None:
            self.send_response(status)
            if location is not None:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _route(self) -> None:
            site.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
            site.hosts.append(self.headers.get("Host", ""))
            routes = {
                "/ok": (200, None),
                "/moved": (301, "/ok"),
                "/moved-missing": (301, "/missing"),
                "/missing": (404, None),
                "/error": (500, None),
                "/loop": (302, "/loop"),
                "/no-location": (302, None),
                "/to": (302, site.redirect_target),
            }
            if self.path == "/hang":
                stop.wait(HANG_SECONDS)
                return
            if self.path == "/no-head":
                if self.command == "HEAD":
                    self._answer(405)
                else:
                    self._answer(200, body=b"x" * 100_000)
                return
            status, location = routes.get(self.path, (404, None))
            self._answer(status, location, b"page " + self.path.encode())

        def do_HEAD(self) -> None:
            self._route()

        def do_GET(self) -> None:
            self._route()

    return Handler


@contextmanager
def local_site() -> Iterator[LocalSite]:
    """Serve the site on a free port of 127.0.0.1 while the block runs."""
    stop = threading.Event()
    site = LocalSite(base="", port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, stop))
    server.daemon_threads = True
    site.port = server.server_address[1]
    site.base = f"http://127.0.0.1:{site.port}"
    thread = threading.Thread(target=server.serve_forever, name="local-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
