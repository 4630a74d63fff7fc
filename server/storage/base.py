"""The storage interface every backend implements, its errors and the key rules.

A key is a relative POSIX path of safe characters (``panoramas/12/3/0/f/0/0.jpg``). Keys are
validated before any backend sees them, so no key can name a file outside a local storage's folder
or an object outside an S3 storage's prefix.
"""

from __future__ import annotations

import abc
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

#: for objects that never change under their key (a panorama revision's tiles, previews and
#: manifest): browsers and CDNs may keep them for a year without asking again
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: the default: caches may store the object but must revalidate it (cheap with the ETag)
REVALIDATE_CACHE_CONTROL = "public, no-cache"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

#: S3 allows 1024 bytes per key; this leaves room for a storage prefix
MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 255
# A segment starts with a letter or digit: no "." or "..", and names starting with a dot stay free
# for a backend's own bookkeeping (the local backend's temporary and metadata files).
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")

Data = bytes | BinaryIO
# The formats Flaneur writes itself, fixed here: ``mimetypes`` also reads the machine's
# /etc/mime.types, which differs between systems (and lacks webp/avif on some).
_OWN_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
    "avif": "image/avif", "json": "application/json",
}


class StorageError(Exception):
    """A storage operation failed; the message names the storage, the operation and the key."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class InvalidKey(StorageError, ValueError):
    """The key is not a safe relative path (``..``, leading ``/``, backslash, NUL, …)."""


@dataclass(frozen=True)
class ObjectInfo:
    """What is known about a stored object without reading it."""

    key: str
    size: int
    #: opaque version tag without quotes; it changes whenever the object's content is replaced
    etag: str
    content_type: str
    cache_control: str
    last_modified: datetime | None = None


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative path of allowed characters, else raise InvalidKey."""
    if not isinstance(key, str) or not key:
        raise InvalidKey(f"invalid key {key!r}: a key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid key {key[:40]!r}…: longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if len(segment) > MAX_SEGMENT_LENGTH or not _SEGMENT.fullmatch(segment):
            raise InvalidKey(
                f"invalid key {key!r}: every '/'-separated part must be 1–{MAX_SEGMENT_LENGTH} "
                "letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
    return key


def validate_prefix(prefix: str) -> str:
    """A prefix names a folder: ``""`` (everything) or a valid key, matched as ``prefix + "/"``."""
    if prefix == "":
        return prefix
    return validate_key(prefix)


def is_under(key: str, prefix: str) -> bool:
    """Whether ``key`` is in the folder ``prefix`` (``panoramas/1`` excludes ``panoramas/10/…``)."""
    return prefix == "" or key.startswith(prefix + "/")


def guess_content_type(key: str) -> str:
    """The content type implied by the key's extension, or ``application/octet-stream``."""
    extension = key.rpartition(".")[2].lower() if "." in key.rpartition("/")[2] else ""
    if extension in _OWN_TYPES:
        return _OWN_TYPES[extension]
    guessed, _encoding = mimetypes.guess_type(key, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


class Storage(abc.ABC):
    """Objects addressed by validated keys, written and read whole.

    ``put`` replaces an object as a whole: readers see either the old or the new content, never a
    mix. Content type defaults to the one implied by the key's extension; cache control defaults
    to ``REVALIDATE_CACHE_CONTROL`` and is ``IMMUTABLE_CACHE_CONTROL`` when the writer says the
    key will never hold other content. Both travel with the object to whoever serves it (Flask's
    media route, the bucket, a CDN). Every backend failure is raised as ``StorageError``.
    """

    #: whether Flask's ``/media`` route serves this storage (local, memory); S3 objects are
    #: served by the bucket or a CDN instead
    served_by_app: bool = False

    @abc.abstractmethod
    def put(self, key: str, data: Data, *, content_type: str | None = None,
            cache_control: str | None = None) -> None:
        """Store ``data`` (bytes or a binary file object read to its end) under ``key``."""

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """The object's content; raises ObjectNotFound."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object, for objects too big to hold in memory.

        The caller closes it (use ``with``). Raises ObjectNotFound.
        """

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo:
        """The object's size, ETag, content type and cache control; raises ObjectNotFound."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        try:
            self.head(key)
        except ObjectNotFound:
            return False
        return True

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abc.abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """The keys in the folder ``prefix`` (all keys for ``""``), in ascending order."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object in the folder ``prefix``; returns how many were removed.

        The empty prefix is refused: emptying a whole storage is never what a caller means.
        """
        if prefix == "":
            raise InvalidKey("refusing to delete the whole storage: give a folder prefix")
        validate_prefix(prefix)
        removed = 0
        for key in [*self.list_keys(prefix)]:
            self.delete(key)
            removed += 1
        return removed

    @abc.abstractmethod
    def public_url(self, key: str) -> str:
        """The URL a browser fetches the object from; raises StorageError if none is configured."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageError unless the storage is reachable and usable (for ``/healthz``)."""


def read_all(data: Data) -> bytes:
    """The bytes of ``data``, reading a file object to its end."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    return data.read()
