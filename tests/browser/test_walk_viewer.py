"""The visitors' walk page in Debian's Chromium: a published tour of two linked scenes on a
panorama tiled by the real pipeline, with a shop hotspot.

Every test waits on the page's own signals (``#walk-viewer[data-ready]``, the scene it
reports, the card appearing), never on fixed sleeps.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from media_tools import TilingOptions, tile_panorama
from server.extensions import db
from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import public_storage
from tests.browser.test_pages import BUNDLE
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tests.support.requirements import require
from tours import hotspots, links, tour_service
from tours.ingest import revision_prefix
from tours.models import Panorama, Scene, ShopStatus, TourStatus

pytestmark = pytest.mark.browser

ALWAYS_OPEN = {"weekly": [{"day": day, "opens": "00:00", "closes": "24:00"}
                          for day in range(1, 8)]}
#: where the arrow to the hall and the shop lie in the market's panorama (degrees)
ARROW_YAW = 90.0
SHOP_YAW, SHOP_PITCH = -30.0, 5.0
#: where the arrow to the lane lies in the hall's panorama
LANE_YAW = -160.0
READY = '#walk-viewer[data-ready="true"]'


@dataclass(frozen=True)
class Tiles:
    manifest: dict[str, Any]
    objects: dict[str, tuple[bytes, str]]


@dataclass(frozen=True)
class WalkWorld:
    shop_id: int
    hotspot_id: int


@pytest.fixture(scope="module")
def tiles() -> Tiles:
    """A 2048 × 1024 textured panorama tiled by the real pipeline (kept in memory)."""
    objects: dict[str, tuple[bytes, str]] = {}
    result = tile_panorama(io.BytesIO(jpeg_bytes(textured_panorama(2048))),
                           sink=lambda key, data, kind: objects.__setitem__(key, (data, kind)),
                           options=TilingOptions(workers=1))
    return Tiles(result.manifest, objects)


@pytest.fixture
def world(app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama],
          make_scene: Callable[..., Scene], make_shop: Callable[..., Any]) -> WalkWorld:
    """Tour "old-town": market → hall (arrow at yaw 90 in the market), a shop in the market;
    the hall links on to the lane, which is no stop."""
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    panorama = make_panorama(manifest=tiles.manifest, author="Ana Ruiz", licence="CC-BY-4.0")
    with app.app_context():
        storage = public_storage()
        prefix = revision_prefix(panorama, str(panorama.current_revision))
        for key, (data, kind) in tiles.objects.items():
            storage.put(f"{prefix}/{key}", data, content_type=kind,
                        cache_control=IMMUTABLE_CACHE_CONTROL)
    market = make_scene(panorama, slug="market", north_offset=0.0, title={"en": "Market"})
    hall = make_scene(panorama, slug="hall", north_offset=0.0, title={"en": "Hall"})
    lane = make_scene(panorama, slug="lane", north_offset=0.0, title={"en": "Lane"})
    shop = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED, opening_hours=ALWAYS_OPEN,
                     name={"en": "Sun Bakery"}, short_description={"en": "Bread since 1900"},
                     website="https://sun.example")
    with app.app_context():
        session = db.session
        links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": ARROW_YAW})
        # the lane is no stop of the tour: visitors walk there freely
        links.add_link(session, hall.id, {"to_scene_id": lane.id, "bearing": LANE_YAW + 360})
        hotspot = hotspots.add_hotspot(session, market.id, {
            "yaw": SHOP_YAW, "pitch": SHOP_PITCH, "kind": "shop", "shop_id": shop.id})
        tour = tour_service.create_tour(session, {
            "slug": "old-town", "title": {"en": "Old town"}, "status": TourStatus.PUBLISHED})
        for scene in (market, hall):
            tour_service.add_stop(session, tour.id, {"scene_id": scene.id})
        session.commit()
        hotspot_id = hotspot.id
    return WalkWorld(shop.id, hotspot_id)


@pytest.fixture
def site(app: Flask, world: WalkWorld, page: Any) -> Iterator[str]:
    """The app served on loopback; every tile answered 4xx is a problem of the page."""
    page.on("response", lambda response: page.problems.append(
        f"{response.status} {response.url}") if response.status >= 400 else None)
    with serve(app) as base:
        yield base


def open_walk(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, state="attached", timeout=30_000)


def view_of(page: Any) -> dict[str, float]:
    """What the viewer shows, read from Photo Sphere Viewer itself (degrees)."""
    return page.evaluate("""() => {
        const position = window.flaneurViewer.getPosition();
        let yaw = position.yaw * 180 / Math.PI;
        if (yaw >= 180) yaw -= 360;
        return {yaw, pitch: position.pitch * 180 / Math.PI,
                zoom: window.flaneurViewer.getZoomLevel()};
    }""")


def query_of(url: str) -> dict[str, float]:
    return {name: float(values[0]) for name, values in parse_qs(urlsplit(url).query).items()}


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
