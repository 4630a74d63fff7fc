"""The pages and the viewer bundle in Debian's Chromium."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask, send_file
from PIL import Image, ImageStat

from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.requirements import require
from tests.support.viewer_pages import add_viewer_page

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PANORAMA = REPO.parent / "shared" / "data" / "panoramas" / "mountain-lakes-4096x2048.jpg"
BUNDLE = REPO / "static" / "viewer" / "dist" / "flaneur.js"


def test_home_page_renders_and_switches_language(app: Flask, page):
    with serve(app) as base:
        page.goto(base + "/?lang=en")
        assert page.locator("h1").inner_text() == app.config["CITY_NAME"]
        english = page.locator(".lead").inner_text()
        page.get_by_role("link", name="Deutsch").click()
        page.wait_for_url("**lang=de")
        assert page.locator("html").get_attribute("lang") == "de"
        german = page.locator(".lead").inner_text()
        assert german != english
        # the choice is remembered without the query parameter
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == "de"
        screenshot(page, "home-de")
    assert page.problems == []


def test_viewer_bundle_shows_a_real_panorama(app: Flask, page):
    """The built bundle (npm dependencies, esbuild) mounts Photo Sphere Viewer with WebGL."""
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer` (npm ci && npm run build)")
    require(PANORAMA.exists(), "the shared test panorama", f"expected at {PANORAMA}")

    # A test-only page: the real viewer pages come with the viewer issue.
    @app.get("/_test/panorama.jpg")
    def _panorama():
        return send_file(PANORAMA, mimetype="image/jpeg")

    viewer_page = add_viewer_page(app, "viewer", """
        import { mountPanorama } from "/viewer/flaneur.js";
        mountPanorama(document.getElementById("pano"), {url: "/_test/panorama.jpg"})
          .then(() => { window.viewerReady = true; })
          .catch((e) => { window.viewerError = String(e); });""")

    with serve(app) as base:
        page.goto(base + viewer_page)
        # an arrow function: Playwright polls a bare expression through eval, which the CSP bars
        page.wait_for_function("() => window.viewerReady || window.viewerError", timeout=30_000)
        assert page.evaluate("window.viewerError || null") is None
        assert page.locator("canvas").count() == 1
        path = screenshot(page, "viewer-bundle")
    pixels = Image.open(io.BytesIO(path.read_bytes())).convert("L")
    # a real photograph has texture; a blank or failed WebGL canvas is flat
    assert ImageStat.Stat(pixels).stddev[0] > 20
    assert page.problems == []
