"""``/media/<key>`` serves a local public storage with ETag, 304 and long caching, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server.storage import IMMUTABLE_CACHE_CONTROL, Storage
from server.storage_setup import public_storage

SECRET = b"outside the storage folder"
TILE = "panoramas/4/r1/1/f/0/0.jpg"


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return {**app_config, "PUBLIC_STORAGE_URL": (tmp_path / "public").as_uri()}


def fetch(client: FlaskClient, path: str, **options: Any) -> TestResponse:
    """GET ``path``, reading and closing the body as a WSGI server does (the file is closed)."""
    return client.get(path, buffered=True, **options)


@pytest.fixture
def public(app: Flask) -> Storage:
    return public_storage(app)


def test_a_tile_is_served_with_its_headers(client: FlaskClient, public: Storage):
    public.put(TILE, b"\xff\xd8tile", cache_control=IMMUTABLE_CACHE_CONTROL)
    response = fetch(client, public.public_url(TILE))
    assert response.status_code == 200
    assert response.data == b"\xff\xd8tile"
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Length"] == "6"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{public.head(TILE).etag}"'
    assert "Last-Modified" in response.headers
    assert "Content-Disposition" not in response.headers


def test_public_url_is_the_media_route(public: Storage):
    assert public.public_url(TILE) == f"/media/{TILE}"


def test_objects_put_without_cache_control_must_be_revalidated(client: FlaskClient,
                                                                 public: Storage):
    public.put("shops/2/logo.png", b"png")
    response = fetch(client, "/media/shops/2/logo.png")
    assert response.headers["Cache-Control"] == "public, no-cache"


def test_a_matching_etag_answers_304_without_a_body(client: FlaskClient, public: Storage):
    public.put(TILE, b"tile", cache_control=IMMUTABLE_CACHE_CONTROL)
    etag = fetch(client, f"/media/{TILE}").headers["ETag"]
    response = fetch(client, f"/media/{TILE}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL


def test_a_stale_etag_gets_the_new_content(client: FlaskClient, public: Storage):
    public.put("shops/2/logo.png", b"old")
    etag = fetch(client, "/media/shops/2/logo.png").headers["ETag"]
    public.put("shops/2/logo.png", b"new")
    response = fetch(client, "/media/shops/2/logo.png", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.data == b"new"
    assert response.headers["ETag"] != etag


def test_if_modified_since_answers_304(client: FlaskClient, public: Storage):
    public.put(TILE, b"tile")
    last_modified = fetch(client, f"/media/{TILE}").headers["Last-Modified"]
    response = fetch(client, f"/media/{TILE}", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


def test_head_answers_headers_only(client: FlaskClient, public: Storage):
    public.put(TILE, b"tile")
    response = client.head(f"/media/{TILE}", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "4"
    assert response.data == b""


def test_missing_objects_and_folders_are_404(client: FlaskClient, public: Storage):
    public.put(TILE, b"tile")
    for path in ("/media/panoramas/4/r1/1/f/0/1.jpg", "/media/panoramas/4/r1"):
        response = fetch(client, path)
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", [
    "/media/../secret.txt", "/media/..%2fsecret.txt", "/media/%2e%2e/secret.txt",
    "/media/%2e%2e%2fsecret.txt", "/media/public/../../secret.txt", "/media/..\\secret.txt",
    "/media/..%5csecret.txt", "/media/%5c..%5csecret.txt", "/media/secret.txt%00.jpg",
    "/media/.hidden",
])
def test_keys_leaving_the_folder_are_refused(client: FlaskClient, public: Storage, path: str):
    response = fetch(client, path)
    assert response.status_code == 404
    assert SECRET not in response.data


def test_absolute_paths_never_reach_the_file_system(client: FlaskClient, tmp_path: Path):
    # Werkzeug merges the doubled slash and redirects; the redirect stays inside the storage
    for path in (f"/media/{tmp_path / 'secret.txt'}", "/media/%2Fetc%2Fpasswd"):
        response = fetch(client, path, follow_redirects=True)
        assert response.status_code == 404
        assert SECRET not in response.data


def test_metadata_sidecars_are_not_served(client: FlaskClient, public: Storage, tmp_path: Path):
    public.put("a.jpg", b"x", cache_control=IMMUTABLE_CACHE_CONTROL)
    assert (tmp_path / "public" / ".a.jpg.meta.json").exists()
    assert fetch(client, "/media/.a.jpg.meta.json").status_code == 404


def test_a_symbolic_link_out_of_the_folder_is_refused(client: FlaskClient, tmp_path: Path):
    (tmp_path / "public" / "link.txt").symlink_to(tmp_path / "secret.txt")
    response = fetch(client, "/media/link.txt")
    assert response.status_code == 404
    assert SECRET not in response.data


@pytest.mark.parametrize(("key", "content_type"), [
    ("page.html", "text/html; charset=utf-8"), ("drawing.svg", "image/svg+xml"),
    ("notes.txt", "text/plain"), ("blob", "application/octet-stream"),
])
def test_anything_but_images_and_json_is_a_download(client: FlaskClient, public: Storage,
                                                     key: str, content_type: str):
    public.put(key, b"<script>alert(1)</script>", content_type=content_type)
    response = fetch(client, f"/media/{key}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_manifests_are_shown_inline(client: FlaskClient, public: Storage):
    public.put("panoramas/4/r1/manifest.json", b"{}", cache_control=IMMUTABLE_CACHE_CONTROL)
    response = fetch(client, "/media/panoramas/4/r1/manifest.json")
    assert response.get_json() == {}
    assert "Content-Disposition" not in response.headers


def test_the_in_memory_storage_is_served_too(make_app: Callable[..., Flask]):
    app = make_app(PUBLIC_STORAGE_URL="memory://public")
    public_storage(app).put(TILE, b"tile", cache_control=IMMUTABLE_CACHE_CONTROL)
    response = fetch(app.test_client(), f"/media/{TILE}")
    assert response.data == b"tile"
    assert response.headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL


def test_an_s3_public_storage_is_not_served_by_the_app(make_app: Callable[..., Flask]):
    # no request reaches the bucket: nothing listens on port 1
    url = "s3://tiles/public?endpoint_url=http://127.0.0.1:1&access_key_id=k&secret_access_key=s"
    app = make_app(PUBLIC_STORAGE_URL=url)
    assert fetch(app.test_client(), f"/media/{TILE}").status_code == 404
