"""Build a storage from its URL: ``memory://``, ``file:`` or ``s3://``.

- ``memory://name``: objects in this process's memory (tests); a new, empty storage per call.
- ``file:///absolute/folder`` or ``file:relative/folder``: a local folder; a relative folder is
  taken relative to ``base_dir`` (the app's instance folder). The folder is created if missing.
- ``s3://bucket/prefix?endpoint_url=…&region=…&addressing_style=path&public_url=…``: an
  S3-compatible bucket. Optional parameters: ``endpoint_url`` (omit for AWS), ``region``,
  ``addressing_style`` (``path``, ``virtual`` or ``auto``; default ``auto``), ``public_url`` (where
  browsers fetch the bucket's objects, e.g. a CDN), ``access_key_id`` + ``secret_access_key``
  (+ ``session_token``); without keys in the URL, boto3's usual chain applies
  (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` environment variables, profiles, roles).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import url2pathname

from server.storage.base import InvalidKey, Storage, validate_prefix
from server.storage.local import LocalStorage
from server.storage.memory import MemoryStorage

_S3_PARAMETERS = frozenset({
    "endpoint_url", "region", "addressing_style", "public_url",
    "access_key_id", "secret_access_key", "session_token",
})
_ADDRESSING_STYLES = ("auto", "path", "virtual")
# S3's rules for bucket names (3–63 characters; lowercase letters, digits, dots and hyphens)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


class StorageURLError(ValueError):
    """The storage URL cannot be used; the message says why."""


def storage_from_url(url: str, *, connect_timeout: float, read_timeout: float,
                     max_attempts: int, base_dir: Path | None = None,
                     local_public_url: str | None = None) -> Storage:
    """The storage ``url`` describes.

    ``connect_timeout``, ``read_timeout`` (seconds) and ``max_attempts`` bound every S3 call.
    ``local_public_url`` is the URL prefix under which the app serves a ``file:`` or ``memory:``
    storage (the media route), or None when the app does not serve it.
    """
    parts = urlsplit(url)
    if parts.scheme == "memory":
        if parts.query:
            raise StorageURLError("memory:// storage URLs take no parameters")
        return MemoryStorage(parts.netloc or parts.path or "memory", local_public_url)
    if parts.scheme == "file":
        return LocalStorage(_local_folder(parts.netloc, parts.path, parts.query, base_dir),
                            local_public_url)
    if parts.scheme == "s3":
        return _s3_storage(parts.netloc, parts.path, parts.query, connect_timeout=connect_timeout,
                           read_timeout=read_timeout, max_attempts=max_attempts)
    raise StorageURLError(
        f"unknown storage URL scheme {parts.scheme!r}: use memory://, file: or s3://"
    )


def _local_folder(host: str, path: str, query: str, base_dir: Path | None) -> Path:
    if host not in ("", "localhost"):
        raise StorageURLError(
            f"file URLs name a local folder, not host {host!r}: write file:///absolute/path "
            "or file:relative/path"
        )
    if query:
        raise StorageURLError("file: storage URLs take no parameters")
    if not path:
        raise StorageURLError("the file: storage URL names no folder")
    folder = Path(url2pathname(path))
    if not folder.is_absolute():
        if base_dir is None:
            raise StorageURLError(f"relative folder {path!r} given, but no base folder")
        folder = base_dir / folder
    # A missing folder is created so a fresh install works; if that fails, check() says so.
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _s3_storage(bucket: str, path: str, query: str, *, connect_timeout: float,
                read_timeout: float, max_attempts: int) -> Storage:
    from server.storage.s3 import S3Storage, make_s3_client

    if not _BUCKET.fullmatch(bucket):
        raise StorageURLError(f"{bucket!r} is not a valid S3 bucket name")
    try:
        prefix = validate_prefix(path.strip("/"))
    except InvalidKey as exc:
        raise StorageURLError(f"invalid S3 prefix {path!r}: {exc}") from None
    parameters: dict[str, str] = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name not in _S3_PARAMETERS:
            known = ", ".join(sorted(_S3_PARAMETERS))
            raise StorageURLError(f"unknown S3 storage parameter {name!r} (known: {known})")
        if len(values) != 1 or not values[0]:
            raise StorageURLError(f"S3 storage parameter {name!r} needs exactly one value")
        parameters[name] = values[0]
    addressing_style = parameters.get("addressing_style", "auto")
    if addressing_style not in _ADDRESSING_STYLES:
        raise StorageURLError(
            f"addressing_style must be one of {', '.join(_ADDRESSING_STYLES)}, "
            f"got {addressing_style!r}"
        )
    if ("access_key_id" in parameters) != ("secret_access_key" in parameters):
        raise StorageURLError("give both access_key_id and secret_access_key, or neither")
    client = make_s3_client(
        endpoint_url=parameters.get("endpoint_url"),
        region=parameters.get("region"),
        addressing_style=addressing_style,
        access_key_id=parameters.get("access_key_id"),
        secret_access_key=parameters.get("secret_access_key"),
        session_token=parameters.get("session_token"),
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
    )
    return S3Storage(client, bucket, prefix, public_base_url=parameters.get("public_url"))
