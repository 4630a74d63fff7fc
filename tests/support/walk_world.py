"""A small public walk served to Chromium: the browser tests of the walk page share it.

Tour "old-town": market → hall (arrow at yaw 90 in the market), with a shop and an info
hotspot in the market; the hall links on to the lane (no stop), a way closed for building
works. Every scene shows one 2048 × 1024 textured panorama tiled by the real pipeline.

Import the fixtures into a test module (``from tests.support.walk_world import site, tiles,
world``); every test waits on the page's own signals (``#walk-viewer[data-ready]``, the scene
it reports), never on fixed sleeps.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from media_tools import TilingOptions, tile_panorama
from server.extensions import db
from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import public_storage
from tests.support.browser import ARTIFACTS, watch_problems
from tests.support.live_server import serve
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tests.support.requirements import require
from tours import hotspots, links, tour_service
from tours.ingest import revision_prefix
from tours.models import Panorama, Scene, ShopStatus

BUNDLE = ARTIFACTS.parent / "static" / "viewer" / "dist" / "flaneur.js"
ALWAYS_OPEN = {"weekly": [{"day": day, "opens": "00:00", "closes": "24:00"}
                          for day in range(1, 8)]}
#: where the arrow to the hall and the shop lie in the market's panorama (degrees)
ARROW_YAW = 90.0
SHOP_YAW, SHOP_PITCH = -30.0, 5.0
INFO_YAW, INFO_PITCH = 30.0, 0.0
#: where the arrow to the lane lies in the hall's panorama
LANE_YAW = -160.0
#: the way from the hall to the lane (and back) is closed until then
LANE_CLOSED_UNTIL = dt.datetime(2099, 5, 3, 12, tzinfo=dt.UTC)
READY = '#walk-viewer[data-ready="true"]'
#: makes the browser report no WebGL at all, like one with it switched off
NO_WEBGL = """(() => {
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        if (/webgl/i.test(String(kind))) return null;
        return getContext.call(this, kind, ...rest);
    };
})();"""


@dataclass(frozen=True)
class Tiles:
    manifest: dict[str, Any]
    objects: dict[str, tuple[bytes, str]]


@dataclass(frozen=True)
class WalkWorld:
    shop_id: int
    hotspot_id: int
    info_id: int


def tiled_texture(width: int) -> Tiles:
    """A ``width`` × ``width / 2`` textured panorama tiled by the real pipeline (in memory)."""
    objects: dict[str, tuple[bytes, str]] = {}
    result = tile_panorama(io.BytesIO(jpeg_bytes(textured_panorama(width))),
                           sink=lambda key, data, kind: objects.__setitem__(key, (data, kind)),
                           options=TilingOptions(workers=1))
    return Tiles(result.manifest, objects)


@pytest.fixture(scope="module")
def tiles() -> Tiles:
    """A 2048 × 1024 textured panorama tiled by the real pipeline (kept in memory)."""
    return tiled_texture(2048)


def stored_panorama(app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama]
                    ) -> Panorama:
    """A panorama row whose tiles are in the app's public storage (the viewer bundle must be
    built to show it)."""
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    panorama = make_panorama(manifest=tiles.manifest, author="Ana Ruiz", licence="CC-BY-4.0")
    with app.app_context():
        storage = public_storage()
        prefix = revision_prefix(panorama, str(panorama.current_revision))
        for key, (data, kind) in tiles.objects.items():
            storage.put(f"{prefix}/{key}", data, content_type=kind,
                        cache_control=IMMUTABLE_CACHE_CONTROL)
    return panorama


@pytest.fixture
def world(app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama],
          make_scene: Callable[..., Scene], make_shop: Callable[..., Any]) -> WalkWorld:
    """The walk of this module's docstring, in the test app's database and public storage."""
    panorama = stored_panorama(app, tiles, make_panorama)
    market = make_scene(panorama, slug="market", north_offset=0.0,
                        title={"en": "Market", "de": "Markt"})
    hall = make_scene(panorama, slug="hall", north_offset=0.0,
                      title={"en": "Hall", "de": "Halle"})
    lane = make_scene(panorama, slug="lane", north_offset=0.0, title={"en": "Lane"})
    shop = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED, opening_hours=ALWAYS_OPEN,
                     name={"en": "Sun Bakery"}, short_description={"en": "Bread since 1900"},
                     website="https://sun.example")
    with app.app_context():
        session = db.session
        links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": ARROW_YAW})
        # the lane is no stop of the tour: visitors walk there freely (through a closed way)
        links.add_link(session, hall.id, {
            "to_scene_id": lane.id, "bearing": LANE_YAW + 360,
            "closed_until": LANE_CLOSED_UNTIL, "closed_reason": {"en": "Building works"}})
        hotspot = hotspots.add_hotspot(session, market.id, {
            "yaw": SHOP_YAW, "pitch": SHOP_PITCH, "kind": "shop", "shop_id": shop.id})
        info = hotspots.add_hotspot(session, market.id, {
            "yaw": INFO_YAW, "pitch": INFO_PITCH, "kind": "info",
            "label": {"en": "Fountain", "de": "Brunnen"},
            "text": {"en": "Built in 1890.", "de": "Gebaut 1890."}})
        tour = tour_service.create_tour(session, {
            "slug": "old-town", "title": {"en": "Old town", "de": "Altstadt"}})
        for scene in (market, hall):
            tour_service.add_stop(session, tour.id, {"scene_id": scene.id})
        tour_service.publish_tour(session, tour.id)
        session.commit()
        ids = WalkWorld(shop.id, hotspot.id, info.id)
    return ids


def watch_responses(page: Any) -> None:
    """Every answer of 400 or more becomes a problem of the page (``page.problems``)."""
    page.on("response", lambda response: page.problems.append(
        f"{response.status} {response.url}") if response.status >= 400 else None)


@pytest.fixture
def site(app: Flask, world: WalkWorld, page: Any) -> Iterator[str]:
    """The app served on loopback; every tile answered 4xx is a problem of the page."""
    watch_responses(page)
    with serve(app) as base:
        yield base


@contextmanager
def tab(browser: Any, **context: Any) -> Iterator[Any]:
    """A page in a new browser context made with ``context`` (viewport, touch, init scripts
    through ``init_script``), collecting problems like the ``page`` fixture does."""
    init_script = context.pop("init_script", None)
    made = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context})
    if init_script:
        made.add_init_script(init_script)
    page = made.new_page()
    page.problems = watch_problems(page)
    watch_responses(page)
    try:
        yield page
    finally:
        made.close()


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
