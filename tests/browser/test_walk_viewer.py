"""The visitors' walk page in Debian's Chromium: a published tour of two linked scenes on a
panorama tiled by the real pipeline, with a shop hotspot (``tests.support.walk_world``).

Every test waits on the page's own signals (``#walk-viewer[data-ready]``, the scene it
reports, the card appearing), never on fixed sleeps.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from tests.support import walk_world
from tests.support.browser import screenshot
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


def test_the_tour_opens_at_its_first_stop_and_an_arrow_leads_on(page, site, tiles):
    open_walk(page, f"{site}/tours/old-town?lang=en")
    # the tiles themselves were read (the first level's folder, e.g. ".../1/")
    level_one = "/" + tiles.manifest["keys"]["tile"].split("{face}")[0].replace("{z}", "1")
    page.wait_for_function("""(part) => performance.getEntriesByType("resource")
        .some((entry) => entry.name.includes(part))""", arg=level_one)
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
