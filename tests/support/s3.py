"""An S3 server on loopback for tests: moto's ``ThreadedMotoServer``, spoken to over real HTTP.

``moto_server`` (session) starts one server for the run; ``moto_s3`` (per test) empties it first.
Both are exposed to every test area by ``tests/conftest.py``. moto keeps its state per process,
so every moto server in the run shares the same buckets.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import importlib.util
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import pytest

from tests.support.requirements import require

#: moto checks no signatures; any keys do
ACCESS_KEY_ID = "test"
SECRET_ACCESS_KEY = "test"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3TestServer:
    """An S3 server of the tests on loopback, and helpers to use it (moto's, s3rver)."""

    endpoint_url: str
    #: the server's credentials: moto takes any, s3rver its built-in account
    access_key_id: ClassVar[str] = ACCESS_KEY_ID
    secret_access_key: ClassVar[str] = SECRET_ACCESS_KEY
    #: more botocore ``Config`` options the server needs
    client_options: ClassVar[dict[str, Any]] = {}

    @functools.cached_property
    def client(self) -> Any:
        """A plain boto3 client for arranging and inspecting test data (made once: it is slow)."""
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=2, read_timeout=10,
                        retries={"mode": "standard", "total_max_attempts": 2},
                        s3={"addressing_style": "path"}, **self.client_options)
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key, config=config,
        )

    def create_bucket(self, name: str | None = None) -> str:
        """Create a bucket (a fresh random name unless given) and return its name."""
        bucket = name or f"test-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=bucket)
        return bucket

    def storage_url(self, bucket: str, prefix: str = "", **parameters: str) -> str:
        """An ``s3://`` storage URL for ``bucket`` on this server, with its credentials."""
        query = {
            "endpoint_url": self.endpoint_url, "region": REGION, "addressing_style": "path",
            "access_key_id": self.access_key_id, "secret_access_key": self.secret_access_key,
            **parameters,
        }
        return f"s3://{bucket}/{prefix}?{urlencode(query)}"


@dataclass(frozen=True)
class MotoS3(S3TestServer):
    """A running moto S3 server."""

    def reset(self) -> None:
        """Remove every bucket and object."""
        address = urlsplit(self.endpoint_url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        try:
            connection.request("POST", "/moto-api/reset")
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        assert response.status == 200, f"moto reset answered {response.status}"


@contextlib.contextmanager
def hanging_endpoint() -> Iterator[str]:
    """An S3 endpoint URL that accepts connections and never answers: every read times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        # the kernel completes the handshakes of queued connections; nobody ever accepts them
        listener.listen(64)
        host, port = listener.getsockname()
        yield f"http://{host}:{port}"


def worst_case_seconds(connect_timeout: float, read_timeout: float, max_attempts: int) -> float:
    """The longest one storage call may take with these limits, before a margin for slow CI.

    Every attempt may spend the connect and the read timeout, plus, for uploads, the second
    botocore waits for ``100 Continue`` before sending the body; between attempts its standard
    mode waits at most ``min(2 ** i, 20)`` seconds (the throttling backoff, the larger one).
    """
    expect_continue = 1.0
    backoff = sum(min(2.0**attempt, 20.0) for attempt in range(max_attempts - 1))
    return max_attempts * (connect_timeout + read_timeout + expect_continue) + backoff


@contextlib.contextmanager
def running_moto_server() -> Iterator[tuple[MotoS3, Any]]:
    """Start a moto S3 server on a free loopback port; yield it and a function that stops it.

    Stopping closes the listening socket too, so later connections are refused at once.
    """
    require(importlib.util.find_spec("moto") is not None, "moto's S3 server",
            "pip install 'moto[s3]' flask-cors")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        server.stop()
        # ThreadedMotoServer.stop() ends the serving thread but leaves the socket listening
        # (connections would hang instead of being refused) and open (a ResourceWarning).
        server._server.server_close()

    try:
        yield MotoS3(f"http://{host}:{port}"), stop
    finally:
        stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoS3]:
    """One moto S3 server for the whole run."""
    with running_moto_server() as (s3, _stop):
        yield s3


@pytest.fixture
def moto_s3(moto_server: MotoS3) -> MotoS3:
    """The run's moto S3 server, emptied for this test."""
    moto_server.reset()
    return moto_server
