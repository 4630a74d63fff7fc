"""Storage URLs: which backend each form builds, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.storage import LocalStorage, MemoryStorage, StorageURLError, storage_from_url
from server.storage.s3 import S3Storage
from tests.support.s3 import MotoS3

LIMITS = {"connect_timeout": 1.5, "read_timeout": 4.0, "max_attempts": 4}


def build(url: str, **options):
    return storage_from_url(url, **LIMITS, **options)


def test_memory_urls_build_separate_empty_storages():
    first, second = build("memory://public"), build("memory://public")
    assert isinstance(first, MemoryStorage)
    first.put("a.jpg", b"x")
    assert not second.exists("a.jpg")


def test_an_absolute_file_url_names_the_folder_and_creates_it(tmp_path: Path):
    folder = tmp_path / "with space" / "public"
    storage = build(folder.as_uri())
    assert isinstance(storage, LocalStorage)
    assert storage.root == folder
    assert folder.is_dir()
    storage.put("a/b.jpg", b"x")
    assert (folder / "a" / "b.jpg").read_bytes() == b"x"


def test_a_relative_file_url_is_inside_the_base_folder(tmp_path: Path):
    storage = build("file:storage/public", base_dir=tmp_path)
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "storage" / "public"


def test_local_and_memory_public_urls_use_the_given_base():
    assert build("memory://p", local_public_url="/city/media/").public_url("a/b.jpg") == \
        "/city/media/a/b.jpg"


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://host/folder", "unknown storage URL scheme"),
    ("/srv/flaneur", "unknown storage URL scheme"),
    ("file://fileserver/share", "not host 'fileserver'"),
    ("file:relative", "no base folder"),
    ("file:///srv/x?mode=fast", "no parameters"),
    ("memory://x?size=1", "no parameters"),
    ("s3://Bad_Bucket/x", "not a valid S3 bucket name"),
    ("s3://ab", "not a valid S3 bucket name"),
    ("s3://bucket/a/../b", "invalid S3 prefix"),
    ("s3://bucket?colour=blue", "unknown S3 storage parameter 'colour'"),
    ("s3://bucket?region=a&region=b", "exactly one value"),
    ("s3://bucket?region=", "exactly one value"),
    ("s3://bucket?addressing_style=sideways", "addressing_style must be one of"),
    ("s3://bucket?access_key_id=k", "both access_key_id and secret_access_key"),
])
def test_unusable_urls_are_refused_with_the_reason(url: str, message: str):
    with pytest.raises(StorageURLError, match=message):
        build(url)


def test_errors_never_echo_credentials():
    with pytest.raises(StorageURLError) as raised:
        build("s3://bucket?access_key_id=AKIDSECRETID&secret_access_key=VERYSECRET&colour=x")
    assert "VERYSECRET" not in str(raised.value)
    assert "AKIDSECRETID" not in str(raised.value)
    storage = build("s3://bucket/p?access_key_id=AKIDSECRETID&secret_access_key=VERYSECRET")
    assert "VERYSECRET" not in repr(storage)


def test_s3_urls_configure_the_client_explicitly():
    storage = build("s3://tiles-bucket/city/public?endpoint_url=http://127.0.0.1:9000"
                    "&region=eu-central-1&addressing_style=path")
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("tiles-bucket", "city/public")
    config = storage.client.meta.config
    assert config.connect_timeout == 1.5
    assert config.read_timeout == 4.0
    # STORAGE_MAX_ATTEMPTS counts the first try too
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert config.s3 == {"addressing_style": "path"}
    assert storage.client.meta.region_name == "eu-central-1"
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(("url", "public_url"), [
    ("s3://tiles/p?endpoint_url=http://127.0.0.1:9000&addressing_style=path",
     "http://127.0.0.1:9000/tiles/p/a/b.jpg"),
    ("s3://tiles/p?endpoint_url=http://127.0.0.1:9000",
     "http://127.0.0.1:9000/tiles/p/a/b.jpg"),
    ("s3://tiles/p?endpoint_url=https://s3.example&addressing_style=virtual",
     "https://tiles.s3.example/p/a/b.jpg"),
    ("s3://tiles/p?region=eu-west-1", "https://tiles.s3.eu-west-1.amazonaws.com/p/a/b.jpg"),
    ("s3://tiles?region=eu-west-1", "https://tiles.s3.eu-west-1.amazonaws.com/a/b.jpg"),
    ("s3://tiles/p?public_url=https://cdn.example/", "https://cdn.example/p/a/b.jpg"),
])
def test_s3_public_urls(url: str, public_url: str):
    assert build(url).public_url("a/b.jpg") == public_url


def test_s3_public_url_is_where_the_object_is(moto_s3: MotoS3):
    bucket = moto_s3.create_bucket()
    storage = build(moto_s3.storage_url(bucket, "city"))
    storage.put("a/b.jpg", b"x")
    assert storage.public_url("a/b.jpg") == f"{moto_s3.endpoint_url}/{bucket}/city/a/b.jpg"
    assert moto_s3.client.get_object(Bucket=bucket, Key="city/a/b.jpg")["Body"].read() == b"x"


def signing_key_ids(storage: S3Storage) -> list[str]:
    """Record the access key id every request of ``storage`` is signed with."""
    seen: list[str] = []

    def record(request, **_kwargs) -> None:
        authorization = request.headers["Authorization"].decode()
        seen.append(authorization.split("Credential=")[1].split("/")[0])

    storage.client.meta.events.register("before-send.s3", record)
    return seen


def test_credentials_come_from_the_url(moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "FROM-ENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    storage = build(moto_s3.storage_url(moto_s3.create_bucket(), access_key_id="FROM-URL"))
    seen = signing_key_ids(storage)
    storage.check()
    assert seen == ["FROM-URL"]


def test_credentials_come_from_the_environment(moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "FROM-ENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    bucket = moto_s3.create_bucket()
    storage = build(f"s3://{bucket}?endpoint_url={moto_s3.endpoint_url}&addressing_style=path")
    seen = signing_key_ids(storage)
    storage.check()
    assert seen == ["FROM-ENVIRONMENT"]
