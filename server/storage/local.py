"""A storage in a local folder (``file:///srv/flaneur/public``), served by Flask's media route.

Each object is a plain file at ``<root>/<key>``, so the folder can be backed up, copied or served
by a reverse proxy as it is. Writes go to a temporary file in the same folder which then replaces
the object in one ``os.replace``: a reader sees the old file or the new one, never half a file.

The content type is derived from the key's extension. When a writer gives another content type,
or a cache control other than the default, they are kept in a hidden sidecar file
``.<name>.meta.json`` next to the object. Names starting with a dot are never valid keys, so
sidecars and temporary files cannot collide with objects and are never listed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from server.storage.base import (
    REVALIDATE_CACHE_CONTROL,
    Data,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    guess_content_type,
    validate_key,
    validate_prefix,
)

_COPY_CHUNK = 1024 * 1024
_FILE_MODE = 0o644


def _sidecar(path: Path) -> Path:
    return path.with_name(f".{path.name}.meta.json")


class LocalStorage(Storage):
    """Objects as files under ``root``; ``public_base_url`` is the media route (``/media``)."""

    served_by_app = True

    def __init__(self, root: Path, public_base_url: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self.root / key
        # The key rules already exclude "..", absolute paths and backslashes; this also refuses a
        # symbolic link inside the folder that points out of it.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"{self!r}: key {key!r} leads outside the storage folder")
        return path

    def _fail(self, operation: str, key: str, exc: OSError) -> StorageError:
        return StorageError(f"{self!r}: {operation} {key!r} failed: {exc.strerror or exc}")

    def put(self, key: str, data: Data, *, content_type: str | None = None,
            cache_control: str | None = None) -> None:
        path = self._path(key)
        metadata = {}
        if content_type and content_type != guess_content_type(key):
            metadata["content_type"] = content_type
        if cache_control and cache_control != REVALIDATE_CACHE_CONTROL:
            metadata["cache_control"] = cache_control
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The sidecar goes first, so that a new object is complete the moment it appears.
            if metadata:
                self._write_atomically(_sidecar(path), json.dumps(metadata).encode())
            else:
                _sidecar(path).unlink(missing_ok=True)
            self._write_atomically(path, data)
        except OSError as exc:
            raise self._fail("put", key, exc) from exc

    def _write_atomically(self, target: Path, data: Data) -> None:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out, _COPY_CHUNK)
                out.flush()
                # originals must survive a power cut once put has returned
                os.fsync(out.fileno())
            os.chmod(temporary, _FILE_MODE)
            os.replace(temporary, target)
            # ... and so must the rename: the directory entry is only durable once synced
            directory = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def _stat(self, key: str, path: Path) -> os.stat_result:
        try:
            result = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(f"{self!r}: no object {key!r}") from None
        except OSError as exc:
            raise self._fail("head", key, exc) from exc
        if not stat.S_ISREG(result.st_mode):
            raise ObjectNotFound(f"{self!r}: no object {key!r}")
        return result

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(f"{self!r}: no object {key!r}") from None
        except OSError as exc:
            raise self._fail("open", key, exc) from exc

    def head(self, key: str) -> ObjectInfo:
        path = self._path(key)
        result = self._stat(key, path)
        metadata: dict[str, str] = {}
        try:
            metadata = json.loads(_sidecar(path).read_bytes())
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            raise StorageError(f"{self!r}: metadata of {key!r} is unreadable: {exc}") from exc
        return ObjectInfo(
            key=key,
            size=result.st_size,
            # os.replace gives every write a new inode, so the tag changes with every put even
            # when size and modification time happen to repeat
            etag=f"{result.st_ino:x}-{result.st_size:x}-{result.st_mtime_ns:x}",
            content_type=metadata.get("content_type") or guess_content_type(key),
            cache_control=metadata.get("cache_control") or REVALIDATE_CACHE_CONTROL,
            last_modified=datetime.fromtimestamp(int(result.st_mtime), UTC),
        )

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            if path.is_dir():
                return
            path.unlink(missing_ok=True)
            _sidecar(path).unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as exc:
            raise self._fail("delete", key, exc) from exc

    def delete_prefix(self, prefix: str) -> int:
        if prefix == "":
            return super().delete_prefix(prefix)
        folder = self._path(prefix)
        if not folder.is_dir():
            return 0
        removed = sum(1 for _ in self.list_keys(prefix))
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._fail("delete_prefix", prefix, exc) from exc
        return removed

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        validate_prefix(prefix)
        folder = self._path(prefix) if prefix else self.root
        keys: list[str] = []

        def raise_error(exc: OSError) -> None:
            if not isinstance(exc, FileNotFoundError | NotADirectoryError):
                raise self._fail("list", prefix, exc) from exc

        for directory, subdirectories, files in os.walk(folder, onerror=raise_error):
            subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
            relative = Path(directory).relative_to(self.root).as_posix()
            for name in files:
                key = name if relative == "." else f"{relative}/{name}"
                with contextlib.suppress(InvalidKey):
                    # files put there by hand with unsafe names are not objects of this storage
                    keys.append(validate_key(key))
        return iter(sorted(keys))

    def public_url(self, key: str) -> str:
        validate_key(key)
        if self.public_base_url is None:
            raise StorageError(f"{self!r} has no public URL")
        return f"{self.public_base_url}/{key}"

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageError(f"{self!r}: the folder does not exist")
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            raise StorageError(f"{self!r}: the folder is not readable and writable")
