"""Key rules, shared by every backend."""

from __future__ import annotations

import pytest

from server.storage import InvalidKey, StorageError, validate_key
from server.storage.base import guess_content_type, is_under
from tests.storage.test_contract import BAD_KEYS


@pytest.mark.parametrize("key", [
    "a", "panoramas/12/3f9c/0/f/0/0.jpg", "shops/7/logo-v2.webp", "A_b.c-d/e", "x" * 255,
    "/".join(["abcdefghi"] * 51),
])
def test_safe_keys_pass(key: str):
    assert validate_key(key) == key


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_fail_with_a_storage_error(key: str):
    with pytest.raises(InvalidKey) as raised:
        validate_key(key)
    assert isinstance(raised.value, StorageError)
    assert isinstance(raised.value, ValueError)


def test_non_strings_are_refused():
    with pytest.raises(InvalidKey):
        validate_key(None)  # type: ignore[arg-type]


def test_a_prefix_is_a_folder():
    assert is_under("panoramas/1/a.jpg", "panoramas/1")
    assert not is_under("panoramas/10/a.jpg", "panoramas/1")
    assert not is_under("panoramas/1", "panoramas/1")
    assert is_under("anything", "")


@pytest.mark.parametrize(("key", "content_type"), [
    ("a/b.jpg", "image/jpeg"), ("m.json", "application/json"), ("t.webp", "image/webp"),
    ("noext", "application/octet-stream"),
])
def test_content_type_follows_the_extension(key: str, content_type: str):
    assert guess_content_type(key) == content_type
