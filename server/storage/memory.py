"""An in-memory storage: the tests' twin of the real backends (``memory://name``)."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from server.storage.base import (
    REVALIDATE_CACHE_CONTROL,
    Data,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    guess_content_type,
    is_under,
    read_all,
    validate_key,
    validate_prefix,
)


@dataclass(frozen=True)
class _Stored:
    content: bytes
    info: ObjectInfo


class MemoryStorage(Storage):
    """Objects in a dict, guarded by a lock so the in-app worker thread can share it."""

    served_by_app = True

    def __init__(self, name: str = "memory", public_base_url: str | None = None) -> None:
        self.name = name
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._objects: dict[str, _Stored] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStorage({self.name!r})"

    def put(self, key: str, data: Data, *, content_type: str | None = None,
            cache_control: str | None = None) -> None:
        validate_key(key)
        content = read_all(data)
        info = ObjectInfo(
            key=key,
            size=len(content),
            etag=hashlib.sha256(content).hexdigest()[:32],
            content_type=content_type or guess_content_type(key),
            cache_control=cache_control or REVALIDATE_CACHE_CONTROL,
            # HTTP dates have whole seconds; keep what a Last-Modified header can carry
            last_modified=datetime.now(UTC).replace(microsecond=0),
        )
        with self._lock:
            self._objects[key] = _Stored(content, info)

    def _stored(self, key: str) -> _Stored:
        validate_key(key)
        with self._lock:
            stored = self._objects.get(key)
        if stored is None:
            raise ObjectNotFound(f"{self!r}: no object {key!r}")
        return stored

    def get(self, key: str) -> bytes:
        return self._stored(key).content

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self._stored(key).content)

    def head(self, key: str) -> ObjectInfo:
        return self._stored(key).info

    def delete(self, key: str) -> None:
        validate_key(key)
        with self._lock:
            self._objects.pop(key, None)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        validate_prefix(prefix)
        with self._lock:
            keys = sorted(key for key in self._objects if is_under(key, prefix))
        return iter(keys)

    def public_url(self, key: str) -> str:
        validate_key(key)
        if self.public_base_url is None:
            raise StorageError(f"{self!r} has no public URL")
        return f"{self.public_base_url}/{key}"

    def check(self) -> None:
        return None
