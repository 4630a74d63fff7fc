"""The tile contract in the real viewer: a tiled, labelled panorama looks in Photo Sphere Viewer
(cubemap-tiles adapter, no flipTopBottom) exactly like the same panorama shown whole by PSV's
equirectangular adapter, looking at every face, top and bottom included."""

from __future__ import annotations

import io

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from media_tools.tiling import tile_panorama
from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import public_storage
from tests.browser.test_pages import BUNDLE
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.panoramas import (
    CORNER_COLOURS,
    FACE_COLOURS,
    jpeg_bytes,
    labelled_panorama,
)
from tests.support.requirements import require
from tests.support.viewer_pages import add_viewer_page

pytestmark = pytest.mark.browser

VIEWPORT = 900
#: where each face is seen from: yaw and pitch in degrees
FACE_DIRECTIONS = {"f": (0, 0), "r": (90, 0), "b": (180, 0), "l": (-90, 0),
                   "u": (0, 90), "d": (0, -90)}
PREFIX = "panoramas/orientation/r1"

SOURCE_KEY = "panoramas/orientation/source.jpg"

SCRIPT = """
  import { mountPanorama, mountTiledPanorama } from "/viewer/flaneur.js";
  const element = document.getElementById("pano");
  if (location.search === "?mode=tiles") {
    const manifest = await (await fetch("%(base)s/manifest.json")).json();
    window.viewer = await mountTiledPanorama(element, {
      manifest, baseUrl: "%(base)s", zoom: 0});
  } else {
    window.viewer = await mountPanorama(element, {url: "%(source)s", zoom: 0});
  }
  window.viewer.navbar.hide();
  window.viewerReady = true;
"""

#: resolves once the four tiles of a face at z=2 have arrived (tiled mode) and frames were drawn
WAIT_FOR_TILES = """async (face) => {
  const wanted = (entry) => entry.name.includes(`/2/${face}/`);
  for (let i = 0; i < 200 && location.search === "?mode=tiles"; i++) {
    if (performance.getEntriesByType("resource").filter(wanted).length >= 4) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await new Promise((r) => setTimeout(r, 200));
  return performance.getEntriesByType("resource").filter(wanted).length;
}"""


def _views(page, base: str, mode: str) -> dict[str, np.ndarray]:
    """Screenshots looking at each face, in ``mode`` ("tiles" or "equirect")."""
    page.goto(f"{base}/_test/orientation?mode={mode}")
    page.wait_for_function("() => window.viewerReady === true", timeout=30_000)
    views = {}
    for face, (yaw, pitch) in FACE_DIRECTIONS.items():
        page.evaluate(f"viewer.rotate({{yaw: '{yaw}deg', pitch: '{pitch}deg'}})")
        loaded = page.evaluate(WAIT_FOR_TILES, face)
        if mode == "tiles":
            assert loaded >= 4, f"the z=2 tiles of face {face} were not loaded"
        path = screenshot(page, f"orientation-{mode}-{face}")
        views[face] = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    return views


def test_tiles_look_like_the_whole_panorama_on_every_face(app: Flask, browser):
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    data = jpeg_bytes(labelled_panorama(4096, label_size=512), quality=95)
    with app.app_context():
        storage = public_storage()
        storage.put(SOURCE_KEY, data, content_type="image/jpeg")
        result = tile_panorama(io.BytesIO(data), sink=lambda key, blob, kind: storage.put(
            f"{PREFIX}/{key}", blob, content_type=kind, cache_control=IMMUTABLE_CACHE_CONTROL))
        # where browsers fetch them: the app's /media/ or the bucket (make test-groups)
        urls = {"base": storage.public_url(PREFIX), "source": storage.public_url(SOURCE_KEY)}
    assert [(level["z"], level["nb_tiles"]) for level in result.manifest["levels"]] == [
        (1, 1), (2, 2)]
    add_viewer_page(app, "orientation", SCRIPT % urls)
    context = browser.new_context(viewport={"width": VIEWPORT, "height": VIEWPORT})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with serve(app) as base:
            tiled = _views(page, base, "tiles")
            whole = _views(page, base, "equirect")
    finally:
        context.close()
    differences = {face: float(np.abs(tiled[face] - whole[face]).mean()) for face in tiled}
    print("mean absolute difference per face, tiles vs whole panorama: "
          + ", ".join(f"{face} {value:.1f}" for face, value in differences.items()))
    # the same view differs only by resampling (measured: under 2)
    assert max(differences.values()) < 6, differences
    # and the comparison can fail: a top face turned by 180° (the classic cube-map mistake),
    # a mirrored bottom or another face altogether are far apart (measured: about 40)
    assert float(np.abs(np.rot90(tiled["u"], 2) - whole["u"]).mean()) > 20
    assert float(np.abs(tiled["d"][:, ::-1] - whole["d"]).mean()) > 20
    assert float(np.abs(tiled["f"] - whole["r"]).mean()) > 20
    assert errors == []
    # the side faces show their corner colours where the label has them
    spot = VIEWPORT // 6
    for face in "fblr":
        corners = [tiled[face][spot, spot], tiled[face][spot, -spot],
                   tiled[face][-spot, spot], tiled[face][-spot, -spot]]
        assert all(np.abs(c - e).max() < 40 for c, e in zip(corners, CORNER_COLOURS, strict=True))
        assert np.abs(tiled[face][VIEWPORT // 2 + 30, VIEWPORT // 12] - FACE_COLOURS[face]
                      ).max() < 40
