"""The app builds both storages from its configuration, once, in the factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from server.config import ConfigError
from server.storage import LocalStorage, MemoryStorage, StorageError
from server.storage.s3 import S3Storage
from server.storage_setup import originals_storage, public_storage, storages


def test_the_test_app_has_two_separate_memory_storages(app: Flask):
    with app.app_context():
        both = storages()
        assert set(both) == {"originals", "public"}
        assert all(isinstance(storage, MemoryStorage) for storage in both.values())
        assert originals_storage() is both["originals"]
        assert public_storage() is both["public"]
        originals_storage().put("a.jpg", b"x")
        assert not public_storage().exists("a.jpg")


def test_only_the_public_storage_has_public_urls(app: Flask):
    assert public_storage(app).public_url("a/b.jpg") == "/media/a/b.jpg"
    with pytest.raises(StorageError, match="no public URL"):
        originals_storage(app).public_url("a/b.jpg")


def test_file_urls_build_local_storages(make_app: Callable[..., Flask], tmp_path: Path):
    app = make_app(ORIGINALS_STORAGE_URL=(tmp_path / "o").as_uri(),
                   PUBLIC_STORAGE_URL=(tmp_path / "p").as_uri())
    originals, public = originals_storage(app), public_storage(app)
    assert isinstance(originals, LocalStorage)
    assert isinstance(public, LocalStorage)
    assert (originals.root, public.root) == (tmp_path / "o", tmp_path / "p")


def test_s3_clients_get_the_configured_limits(make_app: Callable[..., Flask]):
    app = make_app(PUBLIC_STORAGE_URL="s3://tiles/public", STORAGE_CONNECT_TIMEOUT=1.25,
                   STORAGE_READ_TIMEOUT=7.5, STORAGE_MAX_ATTEMPTS=2)
    public = public_storage(app)
    assert isinstance(public, S3Storage)
    config = public.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.25, 7.5)
    assert config.retries["total_max_attempts"] == 2


def test_the_media_url_follows_the_application_root(make_app: Callable[..., Flask]):
    app = make_app(APPLICATION_ROOT="/city/")
    assert public_storage(app).public_url("a.jpg") == "/city/media/a.jpg"


@pytest.mark.parametrize("variable", ["ORIGINALS_STORAGE_URL", "PUBLIC_STORAGE_URL"])
def test_a_bad_storage_url_stops_the_app_naming_the_variable(make_app: Callable[..., Flask],
                                                              variable: str):
    with pytest.raises(ConfigError, match=f"{variable}: unknown storage URL scheme"):
        make_app(**{variable: "ftp://example/files"})
