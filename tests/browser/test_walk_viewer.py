"""The visitors' walk page in Debian's Chromium: a published tour of two linked scenes on a
panorama tiled by the real pipeline, with a shop hotspot (``tests.support.walk_world``).

Every test waits on the page's own signals (``#walk-viewer[data-ready]``, the scene it
reports, the card appearing), never on fixed sleeps.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import numpy as np
import pytest
from PIL import Image

from media_tools import render_perspective
from server.storage_setup import public_storage
from tests.support import walk_world
from tests.support.browser import screenshot
from tests.support.panoramas import textured_panorama
from tests.support.walk_world import (  # noqa: F401 - Tiles, READY: other modules import them
    ARROW_YAW,
    LANE_YAW,
    READY,
    SHOP_PITCH,
    SHOP_YAW,
    Tiles,
    open_walk,
    query_of,
    view_of,
)

pytestmark = pytest.mark.browser

# the walk's fixtures (tests/browser/conftest.py), also importable from here by older modules
site, tiles, world = walk_world.site, walk_world.tiles, walk_world.world


def test_the_tour_opens_at_its_first_stop_and_an_arrow_leads_on(app, page, site, tiles):
    open_walk(page, f"{site}/tours/old-town?lang=en")
    # the tiles themselves were read (the first level's folder, e.g. ".../1/"), from where the
    # public storage says: the app's /media/, or the bucket itself (make test-groups)
    with app.app_context():
        storage_base = urljoin(site, public_storage().public_url("panoramas"))
    level_one = "/" + tiles.manifest["keys"]["tile"].split("{face}")[0].replace("{z}", "1")
    page.wait_for_function("""([base, part]) => performance.getEntriesByType("resource")
        .some((entry) => entry.name.startsWith(base) && entry.name.includes(part))""",
                           arg=[storage_base, level_one])
    # the address bar names the scene and the view at once
    page.wait_for_url("**/tours/old-town/market?yaw=*")
    assert page.locator(".walk-stop-counter").inner_text() == "Stop 1 of 2"
    frame = np.asarray(Image.open(screenshot(page, "walk-first-frame")).convert("RGB"),
                       dtype=float)
    box = page.locator("#walk-viewer").bounding_box()
    viewer = frame[int(box["y"]) + 20:int(box["y"] + box["height"]) - 60,
                   int(box["x"]) + 20:int(box["x"] + box["width"]) - 20]
    # a textured panorama, not a blank canvas
    assert viewer.std() > 20, viewer.std()

    page.evaluate(f"() => window.flaneurViewer.rotate({{yaw: '{ARROW_YAW}deg', pitch: 0}})")
    arrow = page.locator('.walk-arrow[data-scene="hall"]')
    arrow.wait_for(state="visible")
    screenshot(page, "walk-arrow")
    arrow.click()
    page.wait_for_selector('#walk-viewer[data-scene="hall"]', state="attached")
    page.wait_for_url("**/tours/old-town/hall?*")
    assert page.locator(".walk-stop-counter").inner_text() == "Stop 2 of 2"
    screenshot(page, "walk-after-arrow")
    assert page.problems == []


def test_a_shop_hotspot_opens_its_card(page, site, client, world):
    expected = client.get("/api/walk/scenes/market?lang=en").get_json()["hotspots"][0]["shop"]
    assert expected["opening"]["is_open"] is True
    open_walk(page, f"{site}/tours/old-town/market?yaw={SHOP_YAW}&pitch={SHOP_PITCH}&zoom=50"
                    "&lang=en")
    page.locator(f'.walk-hotspot[data-hotspot="{world.hotspot_id}"]').click()
    card = page.locator("#walk-card")
    card.wait_for(state="visible")
    screenshot(page, "walk-shop-card")
    assert card.locator(".walk-card-title").inner_text() == "Sun Bakery"
    opening = card.locator(".walk-card-opening")
    assert opening.get_attribute("data-state") == "open"
    assert opening.inner_text() == expected["opening"]["summary"]
    assert card.locator(".walk-card-text").inner_text() == "Bread since 1900"
    website = card.get_by_role("link", name="Website")
    assert website.get_attribute("href") == "https://sun.example/"
    assert website.get_attribute("rel") == "noopener nofollow"
    assert card.get_by_role("link", name="See profile").get_attribute("href").endswith(
        "/shops/sun-bakery")
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")
    assert page.problems == []


def test_a_deep_link_restores_the_view(page, site):
    open_walk(page, f"{site}/tours/old-town/hall?yaw=123.4&pitch=-12.3&zoom=30&lang=en")
    view = view_of(page)
    assert view == pytest.approx({"yaw": 123.4, "pitch": -12.3, "zoom": 30}, abs=1)
    assert urlsplit(page.url).path == "/tours/old-town/hall"
    assert query_of(page.url) == pytest.approx({"yaw": 123.4, "pitch": -12.3, "zoom": 30},
                                               abs=0.11)
    screenshot(page, "walk-deep-link")
    # a move shows up in the address bar
    page.evaluate("() => window.flaneurViewer.rotate({yaw: '-45deg', pitch: '10deg'})")
    page.wait_for_url("**yaw=-45*")
    assert query_of(page.url)["pitch"] == pytest.approx(10, abs=0.11)
    # the language switch keeps the scene and the view
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_url("**/tours/old-town/hall?*lang=de*")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    assert page.locator("html").get_attribute("lang") == "de"
    assert view_of(page) == pytest.approx({"yaw": -45, "pitch": 10, "zoom": 30}, abs=1)
    assert page.problems == []


def test_stops_in_order_free_walking_and_back_to_the_tour(page, site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_walk(page, f"{site}/tours/old-town?lang=en")
    counter = page.locator(".walk-stop-counter")
    page.get_by_role("button", name="Next stop").click()
    page.wait_for_selector('#walk-viewer[data-scene="hall"]', state="attached")
    assert counter.inner_text() == "Stop 2 of 2"
    assert page.get_by_role("button", name="Next stop").is_disabled()
    # off the tour through an arrow: the counter stays, "back to the tour" appears
    page.evaluate(f"() => window.flaneurViewer.rotate({{yaw: '{LANE_YAW}deg', pitch: 0}})")
    page.locator('.walk-arrow[data-scene="lane"]').click()
    page.wait_for_selector('#walk-viewer[data-scene="lane"]', state="attached")
    page.wait_for_url("**/tours/old-town/lane?*")
    back = page.get_by_role("button", name="Back to the tour")
    back.wait_for(state="visible")
    assert counter.inner_text() == "Stop 2 of 2"
    screenshot(page, "walk-free-walking")
    back.click()
    page.wait_for_selector('#walk-viewer[data-scene="hall"]', state="attached")
    back.wait_for(state="hidden")
    page.get_by_role("button", name="Previous stop").click()
    page.wait_for_selector('#walk-viewer[data-scene="market"]', state="attached")
    assert counter.inner_text() == "Stop 1 of 2"
    # share copies the address bar, which names the view
    page.wait_for_url("**/tours/old-town/market?yaw=*")
    page.get_by_role("button", name="Share").click()
    page.get_by_role("status").filter(has_text="Link copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == page.url
    assert page.problems == []


def _blocks(image: np.ndarray, size: int = 16) -> np.ndarray:
    """Mean colour of each ``size`` × ``size`` block (coarse: tiles are JPEG, the first frame
    may still be the preview faces)."""
    height, width = (image.shape[0] // size) * size, (image.shape[1] // size) * size
    cropped = image[:height, :width].astype(float)
    return cropped.reshape(height // size, size, width // size, size, 3).mean(axis=(1, 3))


def test_the_first_frame_shows_the_panorama_at_the_initial_view(page, site):
    open_walk(page, f"{site}/tours/old-town/market?yaw=20&pitch=10&zoom=50&lang=en")
    # only the panorama: markers, arrows, hints and the navbar are pages of their own
    page.evaluate("""() => document.querySelectorAll(
        ".psv-marker, .psv-virtual-tour-arrows, .walk-keys-hint, .psv-navbar, .walk-plan-panel")
        .forEach((element) => { element.style.visibility = "hidden"; })""")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => "
                  "requestAnimationFrame(done)))")
    view = view_of(page)
    box = page.locator(".psv-canvas").bounding_box()
    frame = np.asarray(Image.open(screenshot(page, "walk-initial-view")).convert("RGB"))
    shown = frame[int(box["y"]):int(box["y"] + box["height"]),
                  int(box["x"]):int(box["x"] + box["width"])]
    # Photo Sphere Viewer's zoom 0..100 is a vertical field of view of 90°..30°
    vertical = 90 - view["zoom"] * 0.6
    height, width = shown.shape[:2]
    horizontal = 2 * np.degrees(np.arctan(np.tan(np.radians(vertical) / 2) * width / height))
    panorama = textured_panorama(2048)

    def difference(yaw: float, pitch: float) -> float:
        expected = render_perspective(panorama, yaw, pitch, float(horizontal), width, height)
        return float(np.abs(_blocks(shown) - _blocks(expected)).mean())

    right = difference(view["yaw"], view["pitch"])
    elsewhere = min(difference(view["yaw"] + 90, view["pitch"]),
                    difference(view["yaw"], view["pitch"] - 30))
    print(f"mean block difference {right:.1f} at the view, {elsewhere:.1f} elsewhere")
    assert right < 8, right
    assert elsewhere > 2 * right, (right, elsewhere)
    assert page.problems == []
