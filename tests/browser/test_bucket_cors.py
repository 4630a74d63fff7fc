"""The walk page on one origin shows tiles from an S3 bucket on another — once
``flask storage setup`` has given the bucket its CORS rule, and not before.

The app runs on 127.0.0.1:<A>; its public storage is a bucket of s3rver (which enforces CORS
like S3) on 127.0.0.1:<B>, so every tile is a cross-origin image. Photo Sphere Viewer loads
tiles as CORS images (WebGL textures must be), so without the rule Chromium refuses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from tests.support.apps import base_config, database_for
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.s3rver import S3rver
from tests.support.walk_world import READY, Tiles, watch_responses

pytestmark = pytest.mark.browser


@pytest.fixture
def bucket(s3rver: S3rver) -> str:
    return s3rver.create_bucket()


@pytest.fixture
def app_config(database_url: str, tmp_path: Any, s3rver: S3rver,
               bucket: str) -> dict[str, Any]:
    """The test app with its public storage in the s3rver bucket, under a prefix, its public
    URL the bucket's own address (as a CDN's would be in production)."""
    return {
        **base_config(database_for(database_url, tmp_path), tmp_path),
        "PUBLIC_STORAGE_URL": s3rver.storage_url(
            bucket, "public", public_url=f"{s3rver.endpoint_url}/{bucket}"),
    }


@pytest.fixture
def served(app: Flask, world: Any, page: Any) -> Iterator[str]:
    """The app on loopback with the walk of ``tests/support/walk_world.py`` (tiles written to
    the bucket); 4xx answers are problems of the page."""
    watch_responses(page)
    with serve(app) as base:
        yield base


def level_one_part(tiles: Tiles) -> str:
    """The part of a tile URL naming the first level below the preview (``…/1/``)."""
    return "/" + tiles.manifest["keys"]["tile"].split("{face}")[0].replace("{z}", "1")


def viewer_spread(page: Any, name: str) -> float:
    """How much the viewer's pixels vary in a saved screenshot (a blank one: about 0)."""
    frame = np.asarray(Image.open(screenshot(page, name)).convert("RGB"), dtype=float)
    box = page.locator("#walk-viewer").bounding_box()
    inner = frame[int(box["y"]) + 20:int(box["y"] + box["height"]) - 60,
                  int(box["x"]) + 20:int(box["x"] + box["width"]) - 20]
    return float(inner.std())


def test_after_storage_setup_the_walk_shows_tiles_from_the_bucket(
        app: Flask, served: str, page: Any, tiles: Tiles, s3rver: S3rver,
        bucket: str):
    result = app.test_cli_runner().invoke(args=["storage", "setup", "--origin", served])
    assert result.exit_code == 0, result.output
    assert f"a page on {served} can read public objects: ok" in result.output

    # a fresh browser context: no tile answer cached from before the rule
    response = page.goto(f"{served}/tours/old-town?lang=en")
    assert s3rver.endpoint_url in response.headers["content-security-policy"]
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    # the tiles of the first level came from the bucket (resource timing entries)
    endpoint = f"{s3rver.endpoint_url}/{bucket}/public/"
    page.wait_for_function("""([endpoint, part]) => performance.getEntriesByType("resource")
        .some((entry) => entry.name.startsWith(endpoint) && entry.name.includes(part))""",
                           arg=[endpoint, level_one_part(tiles)])
    spread = viewer_spread(page, "bucket-cors-after-setup")
    assert spread > 20, spread
    assert page.problems == []


def test_without_the_cors_rule_the_tiles_are_refused(
        served: str, page: Any, s3rver: S3rver, bucket: str):
    page.goto(f"{served}/tours/old-town?lang=en")
    # the walk gives up with its message (main.js) instead of a panorama
    page.locator(".walk-error").wait_for(state="visible", timeout=30_000)
    screenshot(page, "bucket-cors-without-setup")
    assert page.locator(READY).count() == 0
    assert page.locator("#walk-viewer").get_attribute("data-error")
    refused = [problem for problem in page.problems if "CORS policy" in problem]
    assert refused, page.problems
    assert all(f"{s3rver.endpoint_url}/{bucket}/public/" in problem for problem in refused)
    assert f"from origin '{served}'" in refused[0]
    assert "No 'Access-Control-Allow-Origin' header" in refused[0]
