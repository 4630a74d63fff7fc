"""A throwaway ``redis-server`` on loopback, for tests of state shared between processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import redis

from tests.support.live_server import free_port


def find_redis_server() -> str | None:
    """Path of Debian's (or any) ``redis-server``, or None."""
    found = shutil.which("redis-server")
    if found is None and os.path.exists("/usr/bin/redis-server"):
        found = "/usr/bin/redis-server"  # Debian's, when /usr/bin is not on PATH
    return found



@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """Start an empty, non-persistent Redis on a free loopback port; yield its URL."""
    binary = find_redis_server()
    if binary is None:
        raise RuntimeError("redis-server not found (apt-get install redis-server)")
    folder = tempfile.mkdtemp(prefix="flaneur-redis-")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", folder, "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
