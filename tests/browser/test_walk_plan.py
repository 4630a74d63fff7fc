"""The plan of the walk on the visitors' page, in Debian's Chromium: dots where the scenes
lie, the scene shown now highlighted with a heading wedge that turns with the view, a dot
opening its scene by mouse and keyboard, no request to any other site by default and map
tiles from a (loopback) tile server when one is configured.

The walk: tour "old-town" with the market (stop 1) and the hall 80 m east of it (stop 2); the
lane, 40 m south of the hall, is walked to freely; the attic, linked from the lane, has no
position and is left off the plan. Every wait is on the page's own signals (the viewer's
``node-changed``, attributes the plan sets), never on sleeps.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image, ImageDraw

from demo.city import LINKS as DEMO_LINKS
from demo.city import SCENES, TOUR
from server.demo_cli import load_demo_city
from server.extensions import db
from tests.browser.test_pages import BUNDLE
from tests.browser.test_walk_viewer import Tiles, open_walk, tiles  # noqa: F401 - a fixture
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.requirements import require
from tests.support.walk_world import stored_panorama
from tours import links, tour_service
from tours.models import Panorama, Scene

pytestmark = pytest.mark.browser

MARKET = (48.1374, 11.5755)
METRES_PER_DEGREE = 6371008.8 * math.pi / 180
#: the hall 80 m east of the market, the lane 40 m south of the hall
HALL = (MARKET[0], MARKET[1] + 80 / (METRES_PER_DEGREE * math.cos(math.radians(48.1374))))
LANE = (MARKET[0] - 40 / METRES_PER_DEGREE, HALL[1])
NORTH_OFFSETS = {"market": 30.0, "hall": -100.0, "lane": 0.0}
DOT = '#walk-plan .walk-plan-scene[data-scene="{}"]'
CURRENT = "#walk-plan .walk-plan-current"
WEDGE = "#walk-plan .walk-plan-heading"
TRANSLATE = re.compile(r"translate\(([-\d.]+) ([-\d.]+)\)")
ROTATE = re.compile(r"rotate\(([-\d.]+)\)")

#: resolves with the slug of the next scene the viewer's virtual tour changes to
NEXT_NODE = """() => { window.nextNode = new Promise((resolve) => window.flaneurViewer
    .getPlugin("virtual-tour").addEventListener("node-changed",
        ({ node }) => resolve(node.id), { once: true })); }"""


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """A test asking for the ``tile_server`` gets an app drawing its tiles under the plan."""
    if "tile_server" not in request.fixturenames:
        return app_config
    server: TileServer = request.getfixturevalue("tile_server")
    return {**app_config, "PLAN_TILE_URL": f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png",
            "PLAN_TILE_ATTRIBUTION": "© Test tiles", "PLAN_TILE_MAX_ZOOM": 19}


@pytest.fixture
def world(app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama],  # noqa: F811
          make_scene: Callable[..., Scene]) -> dict[str, Scene]:
    panorama = stored_panorama(app, tiles, make_panorama)
    places = {"market": MARKET, "hall": HALL, "lane": LANE}
    scenes = {slug: make_scene(panorama, slug=slug, title={"en": slug.title()},
                               north_offset=NORTH_OFFSETS[slug], latitude=where[0],
                               longitude=where[1]) for slug, where in places.items()}
    scenes["attic"] = make_scene(panorama, slug="attic", title={"en": "Attic"})
    with app.app_context():
        session = db.session
        for one, other, bearing in (("market", "hall", 90), ("hall", "lane", 180),
                                    ("lane", "attic", 0)):
            links.add_link(session, scenes[one].id, {"to_scene_id": scenes[other].id,
                                                     "bearing": bearing})
        tour = tour_service.create_tour(session, {
            "slug": "old-town", "title": {"en": "Old town"}})
        for slug in ("market", "hall"):
            tour_service.add_stop(session, tour.id, {"scene_id": scenes[slug].id})
        tour_service.publish_tour(session, tour.id)
        session.commit()
    return scenes


@pytest.fixture
def site(app: Flask, world: dict[str, Scene], page: Any) -> Iterator[str]:
    """The app on loopback; every answer ≥ 400 and every request's host is noted (``blob:``
    and ``data:`` URLs stay inside the page: the viewer makes images of what it downloaded)."""
    page.requested_hosts = set()
    page.on("request", lambda request: page.requested_hosts.add(urlsplit(request.url).hostname)
            if urlsplit(request.url).scheme not in ("blob", "data") else None)
    page.on("response", lambda response: page.problems.append(
        f"{response.status} {response.url}") if response.status >= 400 else None)
    with serve(app) as base:
        yield base


def open_plan(page: Any, url: str) -> None:
    open_walk(page, url)
    page.wait_for_selector('#walk-plan[data-plan="drawn"]', state="attached")


def dot_at(page: Any, slug: str) -> tuple[float, float]:
    match = TRANSLATE.search(page.locator(DOT.format(slug)).get_attribute("transform"))
    return float(match[1]), float(match[2])


def wedge(page: Any) -> tuple[tuple[float, float], float]:
    transform = page.locator(WEDGE).get_attribute("transform")
    where = TRANSLATE.search(transform)
    return (float(where[1]), float(where[2])), float(ROTATE.search(transform)[1])


def screen_angle(start: tuple[float, float], end: tuple[float, float]) -> float:
    """The direction from one point of the drawing to another as a rotation of the wedge
    (degrees clockwise from up, 0 ≤ a < 360)."""
    return math.degrees(math.atan2(end[0] - start[0], start[1] - end[1])) % 360


def turn_to(page: Any, yaw: float, heading: float) -> None:
    page.evaluate(f"() => window.flaneurViewer.rotate({{yaw: '{yaw}deg', pitch: 0}})")
    page.wait_for_selector(f'{WEDGE}[data-heading="{heading:g}"]', state="attached")


def jump(page: Any, act: Callable[[], None]) -> str:
    """Do ``act`` and return the scene the viewer changed to (its ``node-changed``)."""
    page.evaluate(NEXT_NODE)
    act()
    return page.evaluate("() => window.nextNode")


def test_the_plan_shows_the_walk_and_where_the_visitor_looks(page, site):
    open_plan(page, f"{site}/tours/old-town?lang=en")
    # one dot per placed public scene: the attic has no position
    assert sorted(page.locator("#walk-plan .walk-plan-scene").evaluate_all(
        "(dots) => dots.map((dot) => dot.dataset.scene)")) == ["hall", "lane", "market"]
    assert page.locator("#walk-plan .walk-plan-links line").count() == 2
    assert page.locator("#walk-plan .walk-plan-stop text").all_text_contents() == ["1", "2"]
    current = page.locator(CURRENT)
    assert current.get_attribute("data-scene") == "market"
    assert current.get_attribute("aria-current") == "location"
    # north up, east right, and one scale on both axes: 80 m east and 40 m south
    market, hall, lane = (dot_at(page, slug) for slug in ("market", "hall", "lane"))
    assert hall[1] == pytest.approx(market[1], abs=0.05)
    assert lane[0] == pytest.approx(hall[0], abs=0.05)
    assert (hall[0] - market[0]) / 80 == pytest.approx((lane[1] - hall[1]) / 40, rel=1e-3)
    assert page.locator("#walk-plan .walk-plan-scale").get_attribute("data-metres") == "20"
    assert page.locator("#walk-plan .walk-plan-scale text").text_content() == "20 m"
    # the wedge sits on the market; the first view (yaw 0) looks 30° west of north
    where, rotation = wedge(page)
    assert where == pytest.approx(market, abs=0.05)
    assert rotation == pytest.approx(330)
    # the view turns, the wedge follows: north_offset + 90 looks east, along the arrow to the
    # hall, and so the wedge points at the hall's dot
    turn_to(page, 120, 90)
    assert wedge(page)[1] == pytest.approx(90)
    assert screen_angle(market, hall) == pytest.approx(90)
    screenshot(page, "walk-plan-east")
    turn_to(page, -150, 180)
    assert wedge(page)[1] == pytest.approx(180)
    # nothing outside loopback was asked for: no tile server is configured
    assert page.locator("#walk-plan .walk-plan-tile").count() == 0
    assert page.locator("#walk-plan .walk-plan-attribution").count() == 0
    assert page.requested_hosts == {"127.0.0.1"}
    assert page.problems == []


def test_a_dot_opens_its_scene_and_the_plan_follows_the_walk(page, site):
    open_plan(page, f"{site}/tours/old-town?lang=en")
    assert jump(page, lambda: page.locator(DOT.format("hall")).click()) == "hall"
    page.wait_for_selector(f'{CURRENT}[data-scene="hall"]', state="attached")
    page.wait_for_url("**/tours/old-town/hall?*")
    assert page.locator(".walk-stop-counter").inner_text() == "Stop 2 of 2"
    assert page.locator(f'{DOT.format("market")}[aria-current]').count() == 0
    # the wedge moved with the visitor, and reads the hall's north offset (−100)
    where, rotation = wedge(page)
    assert where == pytest.approx(dot_at(page, "hall"), abs=0.05)
    assert rotation == pytest.approx(100)
    screenshot(page, "walk-plan-hall")
    # the stop navigation moves the highlight too
    assert jump(page, lambda: page.get_by_role("button", name="Previous stop").click()) == \
        "market"
    page.wait_for_selector(f'{CURRENT}[data-scene="market"]', state="attached")
    # and so does an arrow of the panorama (the market's arrow to the hall is at 30 + 90)
    page.evaluate("() => window.flaneurViewer.rotate({yaw: '120deg', pitch: 0})")
    assert jump(page, lambda: page.locator('.walk-arrow[data-scene="hall"]').click()) == "hall"
    page.wait_for_selector(f'{CURRENT}[data-scene="hall"]', state="attached")
    assert page.problems == []


def test_the_dots_work_from_the_keyboard(page, site):
    open_plan(page, f"{site}/tours/old-town?lang=en")
    plan = page.locator("#walk-plan")
    lane = plan.get_by_role("button", name="Lane", exact=True)
    assert lane.get_attribute("tabindex") == "0"
    lane.focus()
    assert jump(page, lambda: page.keyboard.press("Enter")) == "lane"
    page.wait_for_selector(f'{CURRENT}[data-scene="lane"]', state="attached")
    # off the tour's stops: the counter offers the way back
    page.get_by_role("button", name="Back to the tour").wait_for(state="visible")
    market = plan.get_by_role("button", name="1: Market", exact=True)
    market.focus()
    scroll = page.evaluate("() => window.scrollY")
    assert jump(page, lambda: page.keyboard.press(" ")) == "market"
    page.wait_for_selector(f'{CURRENT}[data-scene="market"]', state="attached")
    # Space opened the scene instead of scrolling the page, and the focus stayed on the dot
    assert page.evaluate("() => window.scrollY") == scroll
    assert page.evaluate("() => document.activeElement.dataset.scene") == "market"
    assert page.problems == []


def test_small_screens_start_with_the_plan_folded(browser, site):
    context = browser.new_context(viewport={"width": 400, "height": 760})
    small = context.new_page()
    try:
        open_plan(small, f"{site}/tours/old-town?lang=en")
        toggle = small.get_by_role("button", name="Plan", exact=True)
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not small.locator("#walk-plan-body").is_visible()
        toggle.click()
        small.locator("#walk-plan-body").wait_for(state="visible")
        assert toggle.get_attribute("aria-expanded") == "true"
        screenshot(small, "walk-plan-small")
        toggle.click()
        small.locator("#walk-plan-body").wait_for(state="hidden")
    finally:
        context.close()


def test_a_plan_of_fewer_than_two_placed_scenes_is_not_shown(app, page, site, world):
    with app.app_context():
        for slug in ("hall", "lane"):
            scene = db.session.get(Scene, world[slug].id)
            scene.latitude = scene.longitude = None
        db.session.commit()
    open_walk(page, f"{site}/tours/old-town?lang=en")
    page.wait_for_selector('#walk-plan[data-plan="none"]', state="attached")
    assert not page.locator("#walk-plan").is_visible()
    assert page.problems == []


def test_in_the_demo_city_the_wedge_points_along_every_arrow(app, page, browser):
    """The demo downtown, loaded through the real pipeline: at each scene, looking at an
    arrow turns the wedge towards the dot of the scene the arrow leads to."""
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    with app.app_context():
        load_demo_city(app, size=1024, cache=False, say=lambda message: None)
    with serve(app) as base:
        open_plan(page, f"{base}/tours/{TOUR.slug}?lang=en")
        assert page.locator("#walk-plan .walk-plan-scene").count() == len(SCENES)
        assert page.locator("#walk-plan .walk-plan-links line").count() == len(DEMO_LINKS)
        assert page.locator("#walk-plan .walk-plan-stop").count() == len(TOUR.stops)
        checked = 0
        for scene in SCENES:
            if page.locator(CURRENT).get_attribute("data-scene") != scene.slug:
                assert jump(page, lambda slug=scene.slug: page.locator(DOT.format(slug)).click()
                            ) == scene.slug
                page.wait_for_selector(f'{CURRENT}[data-scene="{scene.slug}"]',
                                       state="attached")
            node = page.evaluate("""() => window.flaneurViewer.getPlugin("virtual-tour")
                .getCurrentNode().data.scene""")
            here = dot_at(page, scene.slug)
            for link in node["links"]:
                turn_to(page, link["yaw"], round(link["bearing"] % 360, 1))
                angle = screen_angle(here, dot_at(page, link["scene"]["slug"]))
                assert wedge(page)[1] == pytest.approx(angle, abs=0.5), (scene.slug, link)
                checked += 1
            if scene.slug == "demo-marktplatz":
                screenshot(page, "walk-plan-demo")
        assert checked == 2 * len(DEMO_LINKS)
    assert page.problems == []


# --- a configured tile server (on loopback) ---------------------------------------------------


class TileServer:
    """Answers ``/<z>/<x>/<y>.png`` with a PNG naming the tile, and notes what was asked."""

    def __init__(self) -> None:
        self.requested: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requested.append(self.path)
                image = Image.new("RGB", (256, 256), (200, 225, 200))
                drawing = ImageDraw.Draw(image)
                drawing.rectangle((0, 0, 255, 255), outline=(120, 150, 120), width=2)
                drawing.text((12, 12), self.path, fill=(40, 60, 40))
                out = io.BytesIO()
                image.save(out, "PNG")
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(out.tell()))
                self.end_headers()
                self.wfile.write(out.getvalue())

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.close()


def test_a_configured_tile_server_lies_under_the_plan(page, site, tile_server):
    open_plan(page, f"{site}/tours/old-town?lang=en")
    drawn = page.locator("#walk-plan .walk-plan-tile")
    assert 1 <= drawn.count() <= 48
    # every tile was loaded (the policy allows the tile server for images), none broken
    page.wait_for_function("""() => [...document.querySelectorAll("#walk-plan .walk-plan-tile")]
        .every((tile) => performance.getEntriesByName(tile.href.baseVal).length > 0)""")
    asked = set(tile_server.requested)
    zooms = {int(path.split("/")[1]) for path in asked}
    # about one tile pixel per plan unit: 3.25 units a metre at 48° north is zoom 18 (of 19)
    assert zooms == {18}
    assert len(asked) == drawn.count()
    assert page.locator("#walk-plan .walk-plan-attribution").inner_text() == "© Test tiles"
    # the tiles lie under the links and the dots
    assert page.locator("#walk-plan .walk-plan-map > g").evaluate_all(
        "(groups) => groups.map((group) => group.getAttribute('class'))")[:2] == [
        "walk-plan-tiles", "walk-plan-links"]
    screenshot(page, "walk-plan-tiles")
    assert page.requested_hosts == {"127.0.0.1"}
    assert page.problems == []
