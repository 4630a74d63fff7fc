"""Serve a test app over real HTTP on loopback, for browsers and subprocess clients."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from flask import Flask
from werkzeug.serving import make_server


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Run ``app`` in a background thread on 127.0.0.1; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
