"""The whole story of an editor, end to end in one Chromium session, from an empty city (no
scenes, no panoramas, no tours; one published shop): she signs in and opens the overview,
uploads three panoramas at once (two with GPS position and compass heading 40 m apart, one
with a real face), links the two on the plan, places a shop and an info hotspot, blurs the
face the detector suggested, builds and publishes a tour; then, signed out, a visitor walks
the tour and finds it on the home page. Every step goes through the overview's links, as an
editor would, and reuses the per-tool tests' labels; the in-app job worker tiles the uploads
and the blurred revision. Screenshots land in test-artifacts/ (``editor-story-*.png``)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.browser.test_hotspot_editor import READY as HOTSPOTS_READY
from tests.browser.test_hotspot_editor import place_by_click, status_says
from tests.browser.test_plan_editor import PLAN_READY, angle_gap, bearing_of, wait_for_status
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.faces import face_panorama
from tests.support.in_app_worker import app_config, workers  # noqa: F401 - fixtures
from tests.support.live_server import serve
from tests.support.panoramas import gpano_xmp, jpeg_bytes
from tests.support.requirements import require
from tests.support.upload_files import WIDTH, gps_exif, panorama_file
from tests.support.upload_files import write_file as write
from tests.support.walk_world import BUNDLE, watch_responses
from tours.models import (
    Hotspot,
    HotspotStatus,
    Link,
    Panorama,
    PanoramaStatus,
    Role,
    Scene,
    ShopStatus,
    Tour,
    TourStatus,
)

# the in-app worker runs in every test here, and is stopped after it
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("workers")]

EDITOR = "redaktion@example.org"
EDITOR_BUNDLE = BUNDLE.parent / "editor.js"
METRES_PER_DEGREE = 6371008.8 * math.pi / 180
MARKET = (49.00937, 8.40390)


def offset(start: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    """The point ``north`` and ``east`` metres from ``start``."""
    return (start[0] + north / METRES_PER_DEGREE,
            start[1] + east / (METRES_PER_DEGREE * math.cos(math.radians(start[0]))))


#: the town hall 40 m from the market (24 m north, 32 m east); the lane 30 m south of it
HALL = offset(MARKET, 24, 32)
LANE = offset(MARKET, -30, 0)
#: where the face lies in the lane's panorama (fractions of its width and height), and how
#: wide the portrait is: at 1024 pixels the detector needs it a tenth of the width or more
FACE_X, FACE_Y, FACE_SIZE = 0.45, 0.5, 0.12
#: every row reached an outcome (see test_upload_editor.py)
SETTLED = """(count) => {
    const rows = [...document.querySelectorAll(".upload-row")];
    return rows.length === count && rows.every(
        (row) => ["ready", "duplicate", "failed"].includes(row.dataset.state));
}"""
#: the suggestion whose rectangle (in the overlay's 1000 × 500 units) holds a point
SUGGESTION_AT = """([x, y]) => {
    const hit = [...document.querySelectorAll('rect.privacy-suggestion')].find((rect) => {
        const [rx, ry, rw, rh] = ['x', 'y', 'width', 'height'].map(
            (name) => Number(rect.getAttribute(name)));
        return rx <= x && x <= rx + rw && ry <= y && y <= ry + rh;
    });
    return hit ? Number(hit.dataset.suggestion) : -1;
}"""





def face_file() -> tuple[bytes, tuple[int, int, int, int]]:
    """The lane's panorama as a camera writes it: a real face, GPS position and heading."""
    image, box = face_panorama(WIDTH, x=FACE_X, y=FACE_Y, size=FACE_SIZE)
    xmp = gpano_xmp(ProjectionType="equirectangular", PoseHeadingDegrees="0")
    return jpeg_bytes(image, exif=gps_exif(*LANE), xmp=xmp, quality=90), box


def scene_ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {scene.slug: scene.id for scene in db.session.scalars(select(Scene))}


def overview_row(page: Any, title: str) -> Any:
    return page.locator("table.editor-scenes tbody tr", has_text=title)


def open_overview(page: Any, base: str) -> None:
    page.locator("nav.site-nav").get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(f"{base}/edit")


def tool_link(page: Any, name: str) -> Any:
    return page.locator("ul.editor-tools").get_by_role("link", name=name, exact=True)


def test_an_editor_builds_a_walk_from_an_empty_city(app: Flask, make_user, make_shop, page,
                                                     tmp_path):
    require(BUNDLE.exists() and EDITOR_BUNDLE.exists(), "the viewer bundles", "run `make viewer`")
    make_user(email=EDITOR, role=Role.EDITOR)
    sun = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED, name={"en": "Sun Bakery"})
    with app.app_context():
        for model in (Scene, Panorama, Tour):
            assert db.session.scalars(select(model)).first() is None, "the city is not empty"
    face_bytes, (face_left, face_top, face_w, face_h) = face_file()
    files = [write(tmp_path, "Marktplatz.jpg", panorama_file(21, position=MARKET, heading=90)),
             write(tmp_path, "Rathaus.jpg", panorama_file(22, position=HALL, heading=200)),
             write(tmp_path, "Gasse.jpg", face_bytes)]
    watch_responses(page)

    with serve(app) as base:
        # 1. signed in, the header's "Edit" opens the overview: nothing there yet
        page.goto(f"{base}/login?lang=en")
        page.get_by_label("Email address").fill(EDITOR)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        open_overview(page, base)
        assert "No scenes yet. Upload panoramas to start the walk." in page.inner_text("main")
        assert "No tours yet." in page.inner_text("main")
        screenshot(page, "editor-story-1-empty")

        # 2. three panoramas at once, each followed through its tiling to "Ready"
        tool_link(page, "Upload panoramas").click()
        page.wait_for_url(f"{base}/edit/upload")
        page.wait_for_selector('[data-editor="upload"][data-ready="true"]')
        page.get_by_label("Choose panorama files").set_input_files(files)
        page.wait_for_function(SETTLED, arg=3, timeout=120_000)
        assert page.locator(".upload-row .upload-status").all_inner_texts() == ["Ready"] * 3
        assert page.locator("#upload-summary").inner_text() == "Done: 3 of 3. Failed: 0."
        screenshot(page, "editor-story-2-uploaded")
        ids = scene_ids(app)
        assert sorted(ids) == ["gasse", "marktplatz", "rathaus"]
        with app.app_context():
            stored = {scene.slug: scene for scene in db.session.scalars(select(Scene))}
            assert (stored["rathaus"].latitude, stored["rathaus"].longitude) == pytest.approx(
                HALL, abs=1e-5)
            assert stored["marktplatz"].north_offset == pytest.approx(-90)
            assert {scene.panorama.status for scene in stored.values()} == {
                PanoramaStatus.READY}
            face_panorama_id = stored["gasse"].panorama.public_id
            first_revision = str(stored["gasse"].panorama.current_revision)

        # 3. the plan: the market and the town hall linked both ways
        open_overview(page, base)
        assert overview_row(page, "Marktplatz").locator("td").first.inner_text() == "ready"
        tool_link(page, "Plan of all scenes").click()
        page.wait_for_url(f"{base}/edit/plan")
        page.wait_for_selector(PLAN_READY, state="attached")
        page.locator(f'.plan-editor-scene[data-scene="{ids["marktplatz"]}"] circle').click()
        page.locator(f'.plan-editor-scene[data-scene="{ids["rathaus"]}"] circle').click()
        page.get_by_role("button", name="Link", exact=True).click()
        wait_for_status(page, "Marktplatz and Rathaus are linked both ways.")
        assert page.locator(".plan-editor-link").count() == 1
        screenshot(page, "editor-story-3-linked")
        with app.app_context():
            ways = {(link.from_scene_id, link.to_scene_id): link.bearing
                    for link in db.session.scalars(select(Link))}
        there = bearing_of(MARKET, HALL)
        assert set(ways) == {(ids["marktplatz"], ids["rathaus"]),
                             (ids["rathaus"], ids["marktplatz"])}
        assert angle_gap(ways[ids["marktplatz"], ids["rathaus"]], there) < 0.05
        assert angle_gap(ways[ids["rathaus"], ids["marktplatz"]], there + 180) < 0.05

        # 4. a shop and an info hotspot in the market, placed by clicking its panorama
        open_overview(page, base)
        overview_row(page, "Marktplatz").get_by_role("link", name="Hotspots").click()
        page.wait_for_url(f"{base}/edit/scenes/{ids['marktplatz']}/hotspots")
        page.wait_for_selector(HOTSPOTS_READY, state="attached", timeout=30_000)
        place_by_click(page)
        page.get_by_label("Kind").select_option("shop")
        page.get_by_label("Search shops").fill("sun")
        page.get_by_label("Shop", exact=True).select_option(label="Sun Bakery")
        page.get_by_role("button", name="Save").click()
        status_says(page, "The hotspot was placed.")
        place_by_click(page, 200, -40)
        page.get_by_label("Kind").select_option("info")
        page.get_by_label("Label (English)").fill("Market fountain")
        page.get_by_label("Text (English)").fill("Built in 1890.")
        page.get_by_role("button", name="Save").click()
        status_says(page, "The hotspot was placed.")
        screenshot(page, "editor-story-4-hotspots")
        with app.app_context():
            placed = [(spot.kind.value, spot.shop_id, spot.label, spot.status)
                      for spot in db.session.scalars(select(Hotspot).order_by(Hotspot.id))]
        assert placed == [("shop", sun.id, {}, HotspotStatus.APPROVED),
                          ("info", None, {"en": "Market fountain"}, HotspotStatus.APPROVED)]

        # 5. the lane's face: the detector's suggestion accepted, the blur applied
        open_overview(page, base)
        overview_row(page, "Gasse").get_by_role("link", name="Blur").click()
        page.wait_for_url(f"{base}/edit/panoramas/{face_panorama_id}/privacy")
        tool = '[data-editor="privacy"]'
        page.wait_for_selector(f'{tool}[data-ready="true"]', timeout=30_000)
        page.wait_for_selector(f'{tool}[data-suggestions="loaded"]', timeout=60_000)
        centre = [(face_left + face_w / 2) / WIDTH * 1000,
                  (face_top + face_h / 2) / (WIDTH / 2) * 500]
        face_index = page.evaluate(SUGGESTION_AT, centre)
        assert face_index >= 0, "no suggestion holds the face"
        suggestion = page.locator("#privacy-suggestions li").nth(face_index)
        assert suggestion.inner_text().startswith("Suggested: Face")
        suggestion.get_by_role("button", name="Accept").click()
        assert page.locator("#privacy-regions li[data-region]").count() == 1
        page.get_by_role("button", name="Apply blur").click()
        page.wait_for_selector(f'{tool}[data-applied="true"]', timeout=120_000)
        assert page.locator("#privacy-status").inner_text() == \
            "Done: the blurred panorama is online."
        new_revision = page.locator(tool).get_attribute("data-revision")
        page.wait_for_function("() => document.querySelector('#privacy-picture').complete")
        screenshot(page, "editor-story-5-blurred")
        with app.app_context():
            blurred = db.session.scalar(select(Panorama).where(
                Panorama.public_id == face_panorama_id))
            assert blurred.current_revision == new_revision != first_revision
            assert [region["kind"] for region in blurred.blur_regions] == ["face"]

        # 6. the overview shows what was done; a tour through the three scenes, published
        open_overview(page, base)
        # panorama, position, links, hotspots
        assert overview_row(page, "Marktplatz").locator("td").all_inner_texts()[:4] == [
            "ready", "on the plan", "1", "2"]
        tool_link(page, "Tours").click()
        page.wait_for_url(f"{base}/edit/tours")
        page.get_by_label("Title").fill("Old town")
        page.get_by_label("Address (slug)").fill("old-town")
        page.get_by_role("button", name="Create the tour").click()
        page.wait_for_url(f"{base}/edit/tours/*")
        page.locator('[data-editor="tour"][data-ready="true"]').wait_for()
        search = page.get_by_label("Search scenes")
        for title in ("Marktplatz", "Rathaus", "Gasse"):
            search.fill(title)
            page.get_by_role("button", name=f"Add {title} as a stop").click()
        assert page.locator("#tour-editor-stop-list h3").all_inner_texts() == [
            "Stop 1: Marktplatz", "Stop 2: Rathaus", "Stop 3: Gasse"]
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-status').dataset.kind === 'ok'")
        page.get_by_role("button", name="Publish").click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-state').textContent === 'Published'")
        screenshot(page, "editor-story-6-published")
        with app.app_context():
            tour = db.session.scalar(select(Tour).where(Tour.slug == "old-town"))
            assert tour.status is TourStatus.PUBLISHED
            assert [stop.scene.slug for stop in tour.stops] == ["marktplatz", "rathaus", "gasse"]

        # 7. signed out, a visitor walks the tour: the market with its shop hotspot
        page.get_by_role("button", name="Sign out").click()
        page.locator("nav.site-nav").get_by_role("link", name="Sign in").wait_for()
        page.goto(f"{base}/tours/old-town?lang=en")
        page.wait_for_selector('#walk-viewer[data-scene="marktplatz"][data-ready="true"]',
                               state="attached", timeout=30_000)
        assert page.locator("#walk-title").inner_text() == "Old town"
        shop_button = page.locator("button.walk-place-hotspot.walk-place-shop")
        assert shop_button.inner_text().startswith("Sun Bakery")
        assert page.locator("button.walk-place-link").all_inner_texts() == ["Go to Rathaus"]
        screenshot(page, "editor-story-7-walk")
        page.goto(f"{base}/?lang=en")
        card = page.locator(".tour-card", has_text="Old town")
        assert card.locator(".tour-card-meta").inner_text() == "3 stops"
        assert card.get_by_role("link").get_attribute("href").startswith("/tours/old-town")
        screenshot(page, "editor-story-7-home")
    assert page.problems == []
