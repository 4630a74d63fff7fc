"""The storage contract: every backend (memory, local folder, S3 over HTTP) behaves the same."""

from __future__ import annotations

import io
import os
import threading

import pytest

from server.storage import (
    IMMUTABLE_CACHE_CONTROL,
    REVALIDATE_CACHE_CONTROL,
    InvalidKey,
    ObjectNotFound,
    Storage,
    StorageError,
)

# 8 MiB is boto3's multipart threshold: one byte more makes the S3 backend upload in parts
BIG_SIZE = 8 * 1024 * 1024 + 1
BAD_KEYS = [
    "", "/absolute", "../escape", "a/../../escape", "a/./b", "a//b", "a/", "back\\slash",
    "nul\x00byte", ".hidden", "a/.hidden", "with space", "ümlaut", "a" * 513, "a/" + "b" * 256,
]


def big_content() -> bytes:
    # not a repeated pattern, so a misplaced part would show
    return os.urandom(BIG_SIZE)


def test_put_then_get_returns_the_bytes(storage: Storage):
    storage.put("panoramas/1/r1/0/f/0/0.jpg", b"\xff\xd8tile")
    assert storage.get("panoramas/1/r1/0/f/0/0.jpg") == b"\xff\xd8tile"


def test_head_describes_the_object(storage: Storage):
    storage.put("thumbs/7.jpg", b"12345", cache_control=IMMUTABLE_CACHE_CONTROL)
    info = storage.head("thumbs/7.jpg")
    assert info.key == "thumbs/7.jpg"
    assert info.size == 5
    assert info.content_type == "image/jpeg"
    assert info.cache_control == IMMUTABLE_CACHE_CONTROL
    assert info.etag
    assert '"' not in info.etag
    assert info.last_modified is not None


def test_content_type_and_cache_control_have_defaults_and_can_be_given(storage: Storage):
    storage.put("manifest.json", b"{}")
    storage.put("blob", b"?")
    storage.put("odd.bin", b"{}", content_type="application/json")
    assert storage.head("manifest.json").content_type == "application/json"
    assert storage.head("blob").content_type == "application/octet-stream"
    assert storage.head("odd.bin").content_type == "application/json"
    assert storage.head("blob").cache_control == REVALIDATE_CACHE_CONTROL


def test_overwriting_replaces_content_metadata_and_etag(storage: Storage):
    storage.put("shops/3/logo.png", b"old", cache_control=IMMUTABLE_CACHE_CONTROL,
                content_type="image/x-test")
    before = storage.head("shops/3/logo.png")
    storage.put("shops/3/logo.png", b"new")
    after = storage.head("shops/3/logo.png")
    assert storage.get("shops/3/logo.png") == b"new"
    assert after.etag != before.etag
    assert after.cache_control == REVALIDATE_CACHE_CONTROL
    assert after.content_type == "image/png"


def test_etag_is_stable_while_the_object_is_unchanged(storage: Storage):
    storage.put("a.jpg", b"same")
    assert storage.head("a.jpg").etag == storage.head("a.jpg").etag


def test_a_big_file_object_round_trips_and_streams(storage: Storage):
    content = big_content()
    storage.put("originals/big.jpg", io.BytesIO(content), cache_control="private")
    info = storage.head("originals/big.jpg")
    assert (info.size, info.content_type, info.cache_control) == (BIG_SIZE, "image/jpeg",
                                                                  "private")
    with storage.open("originals/big.jpg") as stream:
        first = stream.read(1000)
        rest = stream.read()
    assert first + rest == content
    assert storage.get("originals/big.jpg") == content


def test_missing_objects_raise_object_not_found(storage: Storage):
    for read in (storage.get, storage.head, storage.open):
        with pytest.raises(ObjectNotFound):
            read("nothing/here.jpg")
    assert storage.exists("nothing/here.jpg") is False
    storage.put("nothing/here.jpg", b"now")
    assert storage.exists("nothing/here.jpg") is True


def test_a_folder_is_not_an_object(storage: Storage):
    storage.put("panoramas/1/r1/manifest.json", b"{}")
    with pytest.raises(ObjectNotFound):
        storage.head("panoramas/1")
    assert storage.exists("panoramas/1") is False


def test_delete_removes_and_is_idempotent(storage: Storage):
    storage.put("a/b.jpg", b"x")
    storage.delete("a/b.jpg")
    assert not storage.exists("a/b.jpg")
    storage.delete("a/b.jpg")
    storage.delete("never/was.jpg")


def test_list_keys_lists_one_folder_in_order(storage: Storage):
    keys = ["panoramas/1/r1/0/f/0/0.jpg", "panoramas/1/r1/manifest.json",
            "panoramas/1/r2/manifest.json", "panoramas/10/r1/manifest.json", "panoramas/1-x.jpg",
            "thumbs/1.jpg"]
    for key in reversed(keys):
        storage.put(key, key.encode())
    assert list(storage.list_keys("panoramas/1")) == keys[:3]
    assert list(storage.list_keys("panoramas/1/r1")) == keys[:2]
    assert list(storage.list_keys("")) == sorted(keys)
    assert list(storage.list_keys("nothing")) == []


def test_delete_prefix_removes_one_folder_only(storage: Storage):
    for key in ("panoramas/1/r1/a.jpg", "panoramas/1/r1/b/c.jpg", "panoramas/1/r2/a.jpg",
                "panoramas/1/r10/a.jpg", "panoramas/1/r1.jpg"):
        storage.put(key, b"x")
    assert storage.delete_prefix("panoramas/1/r1") == 2
    assert list(storage.list_keys()) == [
        "panoramas/1/r1.jpg", "panoramas/1/r10/a.jpg", "panoramas/1/r2/a.jpg"]
    assert storage.delete_prefix("panoramas/1/r1") == 0


def test_deleting_everything_at_once_is_refused(storage: Storage):
    storage.put("a.jpg", b"x")
    with pytest.raises(InvalidKey):
        storage.delete_prefix("")
    assert storage.exists("a.jpg")


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_refused_by_every_operation(storage: Storage, key: str):
    operations = [
        lambda: storage.put(key, b"x"), lambda: storage.get(key), lambda: storage.open(key),
        lambda: storage.head(key), lambda: storage.exists(key), lambda: storage.delete(key),
        lambda: storage.public_url(key),
    ]
    if key:
        operations += [lambda: storage.list_keys(key), lambda: storage.delete_prefix(key)]
    for operation in operations:
        with pytest.raises(InvalidKey):
            operation()
    assert list(storage.list_keys()) == []


def test_invalid_key_is_a_storage_error_with_a_clear_message(storage: Storage):
    with pytest.raises(StorageError, match=r"'\.\./x'"):
        storage.get("../x")


def test_a_failing_upload_leaves_the_previous_object(storage: Storage):
    storage.put("shops/1/photo.jpg", b"previous")

    class BrokenStream(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise OSError("the uploader went away")

    with pytest.raises((OSError, StorageError)):
        storage.put("shops/1/photo.jpg", BrokenStream())
    assert storage.get("shops/1/photo.jpg") == b"previous"
    assert list(storage.list_keys()) == ["shops/1/photo.jpg"]


def test_readers_see_the_old_or_the_new_object_never_a_mix(storage: Storage):
    key = "shops/1/photo.jpg"
    versions = [bytes([value]) * (256 * 1024) for value in b"ab"]
    storage.put(key, versions[0])
    writer_errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def write() -> None:
        try:
            for round_ in range(30):
                storage.put(key, versions[round_ % 2])
        except Exception as exc:  # noqa: BLE001 - handed to the test thread, which fails on it
            writer_errors.append(exc)
        finally:
            writing.clear()

    writer = threading.Thread(target=write)
    writer.start()
    reads = 0
    try:
        while writing.is_set() and reads < 1000:
            content = storage.get(key)
            reads += 1
            assert content in versions, f"read {len(content)} bytes of a mixed or partial object"
    finally:
        writer.join(timeout=60)
    assert not writer_errors
    assert reads > 0


def test_public_url_names_the_key(storage: Storage):
    url = storage.public_url("panoramas/1/r1/manifest.json")
    assert url.endswith("/panoramas/1/r1/manifest.json")


def test_check_passes_on_a_usable_storage(storage: Storage):
    storage.check()
