"""What only the local-folder backend has to get right: plain files, atomic writes, no escape."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from server.storage import (
    IMMUTABLE_CACHE_CONTROL,
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    StorageError,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    folder.mkdir()
    return folder


@pytest.fixture
def storage(root: Path) -> LocalStorage:
    return LocalStorage(root, "/media")


def test_objects_are_plain_files_under_their_key(storage: LocalStorage, root: Path):
    storage.put("panoramas/1/r1/manifest.json", b"{}")
    assert (root / "panoramas" / "1" / "r1" / "manifest.json").read_bytes() == b"{}"
    assert sorted(path.name for path in root.rglob("*")) == ["1", "manifest.json", "panoramas",
                                                             "r1"]


def test_metadata_other_than_the_defaults_is_kept_in_a_hidden_sidecar(storage: LocalStorage,
                                                                     root: Path):
    storage.put("a.jpg", b"x", cache_control=IMMUTABLE_CACHE_CONTROL)
    assert (root / ".a.jpg.meta.json").exists()
    assert list(storage.list_keys()) == ["a.jpg"]
    storage.put("a.jpg", b"y")
    assert not (root / ".a.jpg.meta.json").exists()
    storage.put("b.jpg", b"x", cache_control=IMMUTABLE_CACHE_CONTROL)
    storage.delete("b.jpg")
    assert sorted(path.name for path in root.iterdir()) == ["a.jpg"]


def test_the_etag_changes_even_when_size_and_time_repeat(storage: LocalStorage, root: Path):
    storage.put("a.jpg", b"old")
    before = storage.head("a.jpg").etag
    times = os.stat(root / "a.jpg")
    storage.put("a.jpg", b"new")
    os.utime(root / "a.jpg", ns=(times.st_atime_ns, times.st_mtime_ns))
    assert storage.head("a.jpg").etag != before


def test_a_failed_write_leaves_no_temporary_file(storage: LocalStorage, root: Path):
    storage.put("a.jpg", b"previous")

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise OSError("disk pulled")

    with pytest.raises(StorageError, match="disk pulled"):
        storage.put("a.jpg", Broken())
    assert sorted(path.name for path in root.iterdir()) == ["a.jpg"]
    assert storage.get("a.jpg") == b"previous"


def test_files_with_unsafe_names_are_not_objects(storage: LocalStorage, root: Path):
    (root / "with space.jpg").write_bytes(b"x")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "a.jpg").write_bytes(b"x")
    storage.put("ok.jpg", b"x")
    assert list(storage.list_keys()) == ["ok.jpg"]


def test_a_symbolic_link_leaving_the_folder_is_refused(storage: LocalStorage, root: Path,
                                                       tmp_path: Path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_bytes(b"secret")
    (root / "escape").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InvalidKey, match="outside the storage folder"):
        storage.get("escape/secret.txt")
    with pytest.raises(InvalidKey):
        storage.put("escape/new.txt", b"x")
    assert not (tmp_path / "elsewhere" / "new.txt").exists()


def test_a_key_below_an_object_is_an_error_not_a_crash(storage: LocalStorage):
    storage.put("a", b"file")
    with pytest.raises(StorageError):
        storage.put("a/b", b"x")
    with pytest.raises(ObjectNotFound):
        storage.head("a/b")
    storage.delete("a/b")


def test_check_fails_when_the_folder_is_missing(tmp_path: Path):
    with pytest.raises(StorageError, match="does not exist"):
        LocalStorage(tmp_path / "missing").check()
