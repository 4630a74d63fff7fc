"""Fixtures of the accounts tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.redis_server import find_redis_server, throwaway_redis
from tests.support.requirements import require


@pytest.fixture(scope="module")
def redis_server_url() -> Iterator[str]:
    """A real Redis on loopback for the module."""
    require(find_redis_server() is not None, "redis-server",
            "install Debian's redis-server package (apt-get install redis-server)")
    with throwaway_redis() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """The module's Redis, emptied for this test."""
    client = redis.Redis.from_url(redis_server_url, socket_timeout=5)
    client.flushall()
    client.close()
    return redis_server_url
