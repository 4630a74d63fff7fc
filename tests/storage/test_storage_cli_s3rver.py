"""``flask storage setup`` against s3rver, which enforces CORS like S3 (moto answers any origin).

s3rver takes CORS rules but no bucket policies or lifecycle rules (``NotImplemented``), and
serves every object to anyone: the command reports those parts as not supported, and its check
(anonymous reads through the browsers' URLs) decides whether setup is complete.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.support.s3rver import S3rver

SITE = "http://127.0.0.1:8000"
STRANGER = "https://elsewhere.example"


def request(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str]]:
    """Status and (lower-case) headers of a plain request without credentials."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.fixture
def bucket_app(s3rver: S3rver, make_app: Callable[..., Flask]
               ) -> tuple[Flask, str]:
    """An app whose public storage is a fresh s3rver bucket (originals in memory), and the
    URL of a tile in it."""
    bucket = s3rver.create_bucket()
    s3rver.client.put_object(Bucket=bucket, Key="public/panoramas/p1/1/0/f/0/0.jpg",
                             Body=b"tile", ContentType="image/jpeg")
    app = make_app(PUBLIC_STORAGE_URL=s3rver.storage_url(bucket, "public"),
                   STORAGE_CORS_ORIGINS=SITE)
    return app, f"{s3rver.endpoint_url}/{bucket}/public/panoramas/p1/1/0/f/0/0.jpg"


def test_s3rver_grants_no_origin_before_setup(bucket_app):
    _app, tile = bucket_app
    status, headers = request(tile, Origin=SITE)
    assert status == 200
    assert "access-control-allow-origin" not in headers
    status, headers = request(tile, "OPTIONS", Origin=SITE, **{
        "Access-Control-Request-Method": "GET"})
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_setup_lets_the_site_and_only_the_site_read_the_tiles(bucket_app):
    app, tile = bucket_app
    result = app.test_cli_runner().invoke(args=["storage", "setup"])
    assert result.exit_code == 0, result.output
    assert f"CORS: GET and HEAD from {SITE}: set" in result.output
    assert ": not supported by this server" in result.output  # policy and lifecycle
    assert f"a page on {SITE} can read public objects: ok" in result.output
    assert "Storage setup done." in result.output

    status, headers = request(tile, Origin=SITE)
    assert status == 200
    assert headers["access-control-allow-origin"] == SITE
    assert "Origin" in headers["vary"]
    status, headers = request(tile, Origin=STRANGER)
    assert status == 200  # s3rver serves the bytes; the browser withholds them from the page
    assert "access-control-allow-origin" not in headers

    # preflights: the site's GET is allowed, a stranger's GET and the site's PUT are not
    status, headers = request(tile, "OPTIONS", Origin=SITE,
                              **{"Access-Control-Request-Method": "GET"})
    assert status == 200
    assert headers["access-control-allow-methods"] == "GET, HEAD"
    for origin, method in ((STRANGER, "GET"), (SITE, "PUT"), (SITE, "DELETE")):
        status, headers = request(tile, "OPTIONS", Origin=origin,
                                  **{"Access-Control-Request-Method": method})
        assert status == 403, (origin, method)
        assert "access-control-allow-origin" not in headers

    again = app.test_cli_runner().invoke(args=["storage", "setup"])
    assert again.exit_code == 0, again.output
    assert f"CORS: GET and HEAD from {SITE}: already set" in again.output


def test_without_the_check_unsupported_parts_are_left_to_the_operator(bucket_app):
    app, _tile = bucket_app
    result = app.test_cli_runner().invoke(args=["storage", "setup", "--no-check"])
    assert result.exit_code == 0, result.output
    assert "public read of arn:aws:s3:::" in result.output
    assert "not supported by this server" in result.output
    assert "Warning: --no-check, so nothing shows that browsers can read" in result.output


def test_the_check_finds_originals_anyone_can_read(s3rver: S3rver,
                                                   make_app: Callable[..., Flask]):
    bucket = s3rver.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=s3rver.storage_url(bucket, "originals"),
                   PUBLIC_STORAGE_URL=s3rver.storage_url(bucket, "public"),
                   STORAGE_CORS_ORIGINS=SITE)
    result = app.test_cli_runner().invoke(args=["storage", "setup"])
    assert result.exit_code == 1
    assert f"a page on {SITE} can read public objects: ok" in result.output
    assert "anonymous reads of the originals are refused: FAILED (anyone can read the " \
           "originals" in result.output
