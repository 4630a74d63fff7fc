"""What only the S3 backend has to get right: failures while streaming become StorageError."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from server.storage import StorageError
from server.storage.s3 import S3Storage


class StallingBody:
    """A response body that delivers a first chunk, then times out like a stalled connection."""

    def __init__(self) -> None:
        self.reads = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads == 1:
            return b"first chunk"
        raise ReadTimeoutError(endpoint_url="http://127.0.0.1:9/bucket/key")

    def close(self) -> None:
        self.closed = True


class StallingClient:
    """Stands in for boto3's client: only ``get_object`` is called by ``open``."""

    def __init__(self) -> None:
        self.body = StallingBody()

    def get_object(self, **_request: Any) -> dict[str, Any]:
        return {"Body": self.body}


def test_a_stream_that_stalls_midway_raises_storage_error():
    client = StallingClient()
    storage = S3Storage(client, "bucket", "prefix")
    with storage.open("big.jpg") as stream, pytest.raises(StorageError, match="reading failed"):
        stream.read()
    assert client.body.closed


def test_get_reports_the_stall_too():
    storage = S3Storage(StallingClient(), "bucket")
    with pytest.raises(StorageError, match=r"get 'big\.jpg'"):
        storage.get("big.jpg")
