"""A demo scene in the real viewer: tiled by the real pipeline, shown by Photo Sphere Viewer in
Chromium, turned to a shop sign's yaw/pitch (where the loader puts its hotspot): the sign's
colour fills the middle of the screen. Screenshots land in test-artifacts/."""

from __future__ import annotations

import io

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from demo.city import SCENES, SHOPS
from demo.load import render_jpeg
from demo.world import shop_views
from media_tools.tiling import tile_panorama
from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import public_storage
from tests.browser.test_pages import BUNDLE
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.requirements import require
from tests.support.viewer_pages import add_viewer_page

pytestmark = pytest.mark.browser

VIEWPORT = 800
PREFIX = "panoramas/demo/r1"
SCENE = SCENES[0]

SCRIPT = """
  import { mountTiledPanorama } from "/viewer/flaneur.js";
  const manifest = await (await fetch("%(base)s/manifest.json")).json();
  window.viewer = await mountTiledPanorama(document.getElementById("pano"), {
    manifest, baseUrl: "%(base)s", zoom: 40});
  window.viewer.navbar.hide();
  window.viewerReady = true;
"""

#: resolves once no tile has been requested for a moment and two frames were drawn
SETTLE = """async () => {
  let seen = -1;
  for (let i = 0; i < 100; i++) {
    const now = performance.getEntriesByType("resource").length;
    if (now === seen) break;
    seen = now;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def _share(view: np.ndarray, colour: tuple[int, int, int], half: int = 6) -> float:
    """The share of the screen's middle (a small square) showing about ``colour``."""
    middle = view[VIEWPORT // 2 - half:VIEWPORT // 2 + half,
                  VIEWPORT // 2 - half:VIEWPORT // 2 + half].astype(float)
    return float((np.linalg.norm(middle - np.array(colour, float), axis=-1) < 60).mean())


def _look(page, yaw: float, pitch: float, name: str) -> np.ndarray:
    page.evaluate(f"viewer.rotate({{yaw: '{yaw}deg', pitch: '{pitch}deg'}})")
    page.evaluate(SETTLE)
    return np.asarray(Image.open(screenshot(page, name)).convert("RGB"))


def test_the_viewer_shows_each_sign_where_its_hotspot_is(app: Flask, browser):
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    data = render_jpeg(SCENE, 2048)
    with app.app_context():
        storage = public_storage()
        result = tile_panorama(io.BytesIO(data), sink=lambda key, blob, kind: storage.put(
            f"{PREFIX}/{key}", blob, content_type=kind, cache_control=IMMUTABLE_CACHE_CONTROL))
        # where browsers fetch them: the app's /media/ or the bucket (make test-groups)
        base = storage.public_url(PREFIX)
    assert result.manifest["levels"]
    views = shop_views(SCENE)
    assert len(views) >= 2
    add_viewer_page(app, "demo", SCRIPT % {"base": base})
    context = browser.new_context(viewport={"width": VIEWPORT, "height": VIEWPORT})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve(app) as base:
            page.goto(f"{base}/_test/demo")
            page.wait_for_function("() => window.viewerReady === true", timeout=30_000)
            for shop, view in views:
                seen = _look(page, view.yaw, view.pitch, f"{SCENE.slug}-{shop.slug}")
                share = _share(seen, shop.colour)
                print(f"{shop.slug}: {share:.0%} of the middle has the sign's colour")
                assert share > 0.8, (shop.slug, view, share)
                # the check can fail: the shop front below the sign is another colour
                below = _look(page, view.yaw, view.pitch - view.height_degrees * 1.5,
                              f"{SCENE.slug}-{shop.slug}-below")
                assert _share(below, shop.colour) < 0.2
            # and no other demo shop's sign colour is where this scene's signs are
            shown = {shop.slug for shop, _view in views}
            others = [shop for shop in SHOPS if shop.slug not in shown]
            _first_shop, first_view = views[0]
            seen = _look(page, first_view.yaw, first_view.pitch, f"{SCENE.slug}-again")
            assert all(_share(seen, other.colour) == 0 for other in others)
    finally:
        context.close()
    assert errors == []
