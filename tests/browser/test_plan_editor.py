"""The editors' plan and scene settings in Debian's Chromium.

An editor opens the plan with three scenes: the market, the hall 80 m east and 60 m north of
it, and the attic without a position. She drags the attic onto the plan (its stored position
is where she dropped it), links the market and the hall and the hall and the attic (both ways,
bearings from their positions), removes the second link by its line, then opens the market's
settings: she turns the view and stores it as the initial view, says north is where she
looks, and points the way to the hall by clicking the panorama. A change someone else saved
in between is refused with a clear message and the page shows their version. Every wait is on
the page's own signals (data-ready, data-busy, the status line), never on sleeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.walk_world import Tiles, stored_panorama
from tours import scenes
from tours.models import Link, Panorama, Role, Scene

pytestmark = pytest.mark.browser

EDITOR = "planner@example.org"
MARKET = (48.1374, 11.5755)
METRES_PER_DEGREE = 6371008.8 * math.pi / 180
#: the hall 80 m east and 60 m north of the market
HALL = (MARKET[0] + 60 / METRES_PER_DEGREE,
        MARKET[1] + 80 / (METRES_PER_DEGREE * math.cos(math.radians(MARKET[0]))))
PLAN_READY = '[data-editor="plan"][data-ready="true"]'
SCENE_READY = '[data-editor="scene"][data-ready="true"]'
IDLE = '[data-editor][data-busy="false"]'
#: how far a stored position may lie from the dropped point: a pixel is about a drawing unit,
#: a quarter of a metre at the plan's scale here
TOLERANCE_M = 1.5


@dataclass(frozen=True)
class Places:
    market: int
    hall: int
    attic: int


@pytest.fixture
def places(app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama],
           make_scene: Callable[..., Scene], make_user: Callable[..., Any]) -> Places:
    make_user(email=EDITOR, role=Role.EDITOR)
    panorama = stored_panorama(app, tiles, make_panorama)
    market = make_scene(panorama, slug="market", title={"en": "Market"}, latitude=MARKET[0],
                        longitude=MARKET[1])
    hall = make_scene(panorama, slug="hall", title={"en": "Hall"}, latitude=HALL[0],
                      longitude=HALL[1])
    attic = make_scene(panorama, slug="attic", title={"en": "Attic"})
    return Places(market.id, hall.id, attic.id)


def stored(app: Flask, scene_id: int) -> Scene:
    with app.app_context():
        scene = db.session.get(Scene, scene_id)
        db.session.expunge(scene)
        return scene


def stored_links(app: Flask) -> dict[tuple[int, int], float]:
    with app.app_context():
        return {(link.from_scene_id, link.to_scene_id): link.bearing
                for link in db.session.scalars(select(Link))}


def metres_between(first: tuple[float, float], second: tuple[float, float]) -> float:
    north = (second[0] - first[0]) * METRES_PER_DEGREE
    east = (second[1] - first[1]) * METRES_PER_DEGREE * math.cos(math.radians(first[0]))
    return math.hypot(north, east)


def bearing_of(start: tuple[float, float], end: tuple[float, float]) -> float:
    north = (end[0] - start[0]) * METRES_PER_DEGREE
    east = (end[1] - start[1]) * METRES_PER_DEGREE * math.cos(math.radians(start[0]))
    return math.degrees(math.atan2(east, north)) % 360


def angle_gap(first: float, second: float) -> float:
    gap = abs(first - second) % 360
    return min(gap, 360 - gap)


def marker_point(page: Any, scene_id: int) -> tuple[float, float]:
    """Where a scene's marker lies in the drawing (SVG units)."""
    marker = page.locator(f'.plan-editor-scene[data-scene="{scene_id}"]')
    return float(marker.get_attribute("data-x")), float(marker.get_attribute("data-y"))


def on_screen(page: Any, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of drawing point (x, y)."""
    point = page.evaluate("""([x, y]) => {
        const map = document.querySelector(".plan-editor-map");
        const point = new DOMPoint(x, y).matrixTransform(map.getScreenCTM());
        return [point.x, point.y];
    }""", [x, y])
    return point[0], point[1]


def wait_for_status(page: Any, text: str) -> None:
    page.wait_for_function("(text) => document.querySelector('[data-editor] [role=status]')"
                           ".textContent.includes(text)", arg=text, timeout=15_000)
    page.wait_for_selector(IDLE, state="attached")


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email address").fill(EDITOR)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_an_editor_places_links_and_sets_up_scenes(app: Flask, places: Places, page: Any):
    with serve(app) as base:
        sign_in(page, base)
        page.goto(f"{base}/edit/plan")
        page.wait_for_selector(PLAN_READY, state="attached")

        # drag the attic from the list to the market's x and the hall's y: the market's
        # longitude and the hall's latitude
        market_x, _market_y = marker_point(page, places.market)
        _hall_x, hall_y = marker_point(page, places.hall)
        attic = page.locator(f'[data-unplaced="{places.attic}"]')
        start = attic.bounding_box()
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        target = on_screen(page, market_x, hall_y)
        page.mouse.move(*target, steps=12)
        page.mouse.up()
        wait_for_status(page, "The position of Attic is saved.")
        placed = stored(app, places.attic)
        assert placed.latitude is not None
        assert placed.longitude is not None
        assert metres_between((placed.latitude, placed.longitude), (HALL[0], MARKET[1])) \
            < TOLERANCE_M
        assert page.locator(f'[data-unplaced="{places.attic}"]').count() == 0
        screenshot(page, "plan-editor-placed")

        # link the market to the hall with the mouse, the hall to the attic with the keyboard
        page.get_by_role("button", name="Clear selection").click()
        page.locator(f'.plan-editor-scene[data-scene="{places.market}"] circle').click()
        page.locator(f'.plan-editor-scene[data-scene="{places.hall}"] circle').click()
        page.get_by_role("button", name="Link", exact=True).click()
        wait_for_status(page, "Market and Hall are linked both ways.")
        page.get_by_role("button", name="Clear selection").click()
        page.locator(f'.plan-editor-scene[data-scene="{places.hall}"]').focus()
        page.keyboard.press("Enter")
        page.locator(f'.plan-editor-scene[data-scene="{places.attic}"]').focus()
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Link", exact=True).click()
        wait_for_status(page, "Hall and Attic are linked both ways.")
        ways = stored_links(app)
        attic_at = (placed.latitude, placed.longitude)
        expected = {
            (places.market, places.hall): bearing_of(MARKET, HALL),
            (places.hall, places.market): bearing_of(MARKET, HALL) + 180,
            (places.hall, places.attic): bearing_of(HALL, attic_at),
            (places.attic, places.hall): bearing_of(HALL, attic_at) + 180,
        }
        assert set(ways) == set(expected)
        for pair, bearing in expected.items():
            assert angle_gap(ways[pair], bearing) < 0.05, pair
        assert page.locator(".plan-editor-link").count() == 2
        screenshot(page, "plan-editor-linked")

        # remove the hall–attic link by its line (both directions)
        page.get_by_role("button", name="Clear selection").click()
        hall_point = marker_point(page, places.hall)
        attic_point = marker_point(page, places.attic)
        page.mouse.click(*on_screen(page, (hall_point[0] + attic_point[0]) / 2,
                                    (hall_point[1] + attic_point[1]) / 2))
        assert page.locator(".plan-editor-chosen").count() == 1
        page.get_by_role("button", name="Remove link").click()
        wait_for_status(page, "The link is removed.")
        assert set(stored_links(app)) == {(places.market, places.hall),
                                          (places.hall, places.market)}
        assert page.locator(".plan-editor-link").count() == 1

        # the market's settings
        page.get_by_role("button", name="Clear selection").click()
        page.locator(f'.plan-editor-scene[data-scene="{places.market}"] circle').click()
        page.get_by_role("link", name="Settings of Market").click()
        page.wait_for_url(f"{base}/edit/scenes/{places.market}")
        page.wait_for_selector(SCENE_READY, state="attached", timeout=30_000)
        screenshot(page, "scene-settings-open")
        page.evaluate("() => window.flaneurEditorViewer.rotate({yaw: '40deg', pitch: '-5deg'})")
        page.get_by_role("button", name="Use this view").click()
        wait_for_status(page, "This view is now the scene's initial view.")
        view = stored(app, places.market).initial_view
        assert (view.yaw, view.pitch) == pytest.approx((40, -5), abs=0.1)
        assert view.zoom == pytest.approx(page.evaluate(
            "() => window.flaneurEditorViewer.getZoomLevel()"), abs=0.1)

        page.get_by_role("button", name="North is here").click()
        wait_for_status(page, "North now lies in the middle of this view.")
        assert stored(app, places.market).north_offset == pytest.approx(40, abs=0.1)
        assert page.locator("#scene-settings-heading-now").get_attribute("data-heading") == "0"

        # the way to the hall points where she clicks: a quarter of the view's width left of
        # its middle
        [way] = [link for link in stored_links(app) if link[0] == places.market]
        with app.app_context():
            link_id = db.session.scalar(select(Link.id).where(Link.from_scene_id == places.market))
        page.locator(f'[data-set-direction="{link_id}"]').click()
        box = page.locator("#scene-settings-viewer").bounding_box()
        x, y = box["width"] * 0.25, box["height"] * 0.5
        clicked_yaw = page.evaluate("""([x, y]) => {
            const spot = window.flaneurEditorViewer.dataHelper
                .viewerCoordsToSphericalCoords({x, y});
            return spot.yaw * 180 / Math.PI;
        }""", [x, y])
        page.mouse.click(box["x"] + x, box["y"] + y)
        wait_for_status(page, "The way to Hall now points at")
        bearing = stored_links(app)[way]
        assert angle_gap(bearing, clicked_yaw - 40) < 0.15
        assert angle_gap(bearing, 0) > 10, "the click changed the bearing"
        marker_yaw = page.evaluate(f"""() => window.flaneurEditorViewer.getPlugin("markers")
            .getMarker("link-{link_id}").state.position.yaw * 180 / Math.PI""")
        assert angle_gap(marker_yaw, clicked_yaw) < 0.15, "the way's marker moved there"
        screenshot(page, "scene-settings-direction")

        # someone else renames the market meanwhile: her next change is refused, and the page
        # shows their version
        with app.app_context():
            scenes.update_scene(db.session, places.market,
                                {"title": {"en": "Market square (renamed)"}})
            db.session.commit()
        page.evaluate("() => window.flaneurEditorViewer.rotate({yaw: '100deg', pitch: '0deg'})")
        page.get_by_role("button", name="North is here").click()
        wait_for_status(page, "Someone else changed this scene in the meantime.")
        page.wait_for_function("() => document.getElementById('scene-title-en').value"
                               " === 'Market square (renamed)'")
        assert stored(app, places.market).north_offset == pytest.approx(40, abs=0.1)
        screenshot(page, "scene-settings-conflict")

        # the texts and level, based on the version the page shows now
        page.get_by_label("Title (Deutsch)").fill("Marktplatz")
        page.get_by_label("Description (Français)").fill("La place du marché.")
        page.get_by_label("Level", exact=True).fill("EG")
        page.get_by_role("button", name="Save").click()
        wait_for_status(page, "Saved.")
        saved = stored(app, places.market)
        assert saved.title == {"de": "Marktplatz", "en": "Market square (renamed)"}
        assert saved.description == {"fr": "La place du marché."}
        assert saved.level == "EG"
        assert (saved.latitude, saved.longitude) == pytest.approx(MARKET)
    # the refused save is the one answer of 400 or more the browser reports
    assert [problem for problem in page.problems if "409" not in problem] == []


def test_a_keyboard_places_and_moves_a_scene_and_a_stale_move_is_refused(
        app: Flask, tiles: Tiles, make_panorama: Callable[..., Panorama],
        make_scene: Callable[..., Scene], make_user: Callable[..., Any], page: Any):
    """With one placed scene the plan is centred on it: "Place in the middle" puts the other
    one there, each arrow key moves it 10 units (2.5 m at this scale), a move button too."""
    make_user(email=EDITOR, role=Role.EDITOR)
    panorama = stored_panorama(app, tiles, make_panorama)
    market = make_scene(panorama, slug="market", title={"en": "Market"}, latitude=MARKET[0],
                        longitude=MARKET[1])
    cellar = make_scene(panorama, slug="cellar", title={"en": "Cellar"})
    with serve(app) as base:
        sign_in(page, base)
        page.goto(f"{base}/edit/plan")
        page.wait_for_selector(PLAN_READY, state="attached")
        page.locator(f'[data-unplaced="{cellar.id}"]').focus()
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Place in the middle").click()
        wait_for_status(page, "The position of Cellar is saved.")
        # the placed marker has the focus: the arrow keys move it
        assert page.evaluate("() => document.activeElement.dataset.scene") == str(cellar.id)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.get_by_role("button", name="Move north").click()
        wait_for_status(page, "The position of Cellar is saved.")
        page.wait_for_function(f"""() => document.querySelector(
            '.plan-editor-scene[data-scene="{cellar.id}"]') !== null""")
        moved = stored(app, cellar.id)
        east = (moved.longitude - MARKET[1]) * METRES_PER_DEGREE * math.cos(
            math.radians(MARKET[0]))
        north = (moved.latitude - MARKET[0]) * METRES_PER_DEGREE
        assert (east, north) == pytest.approx((5.0, 2.5), abs=0.05)
        screenshot(page, "plan-editor-keyboard")

        # someone else moves the cellar meanwhile: her next move is refused and the plan
        # shows where they put it
        with app.app_context():
            scenes.update_scene(db.session, cellar.id, {"latitude": MARKET[0],
                                                        "longitude": MARKET[1] + 0.0005})
            db.session.commit()
        page.locator(f'.plan-editor-scene[data-scene="{cellar.id}"]').focus()
        page.keyboard.press("ArrowDown")
        wait_for_status(page, "Someone else changed this scene in the meantime.")
        theirs = stored(app, cellar.id)
        assert (theirs.latitude, theirs.longitude) == (MARKET[0], MARKET[1] + 0.0005)
        market_x, market_y = marker_point(page, market.id)
        cellar_x, cellar_y = marker_point(page, cellar.id)
        assert cellar_y == pytest.approx(market_y, abs=0.01)
        assert cellar_x - market_x == pytest.approx(0.0005 * METRES_PER_DEGREE * math.cos(
            math.radians(MARKET[0])) * 4, abs=0.05)
        screenshot(page, "plan-editor-conflict")
    assert [problem for problem in page.problems if "409" not in problem] == []
