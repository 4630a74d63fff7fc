"""The hotspot editor in Chromium.

An editor places a shop and an info hotspot by clicking into the panorama, drags one, nudges
one with the keyboard's buttons, edits a label and undoes changes (button and Ctrl+Z); a
change based on a stale version is refused with a message and the hotspot reloaded. A shop
owner uploads an interior panorama, places a hotspot in it, asks for their shop's hotspot in
a street of the walk; an editor approves it in the queue and visitors see it. Every stored
value is checked in the database. Screenshots land in test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tests.support.walk_world import Tiles, stored_panorama, tab, watch_responses
from tours import hotspots, links, tour_service
from tours.models import Hotspot, HotspotStatus, Role, Scene, ShopStatus

pytestmark = pytest.mark.browser

EDITOR = "redaktion@city.example"
OWNER = "anna@buecher.example"
READY = '[data-editor="hotspots"][data-ready="true"]'


@dataclass(frozen=True)
class Street:
    square: int
    lane: int
    sun_shop: int
    book_shop: int


@pytest.fixture
def street(app: Flask, tiles: Tiles, make_panorama: Callable[..., Any], make_scene,
           make_shop, make_user) -> Street:
    """Two public streets of a published tour on a tiled panorama, two published shops (one
    owned by Anna), an editor."""
    make_user(email=EDITOR, role=Role.EDITOR)
    anna = make_user(email=OWNER, role=Role.SHOP_OWNER)
    panorama = stored_panorama(app, tiles, make_panorama)
    square = make_scene(panorama, slug="square", title={"en": "Square", "de": "Platz"})
    lane = make_scene(panorama, slug="lane", title={"en": "Lane"})
    sun = make_shop(slug="sun-bakery", status=ShopStatus.PUBLISHED, name={"en": "Sun Bakery"})
    books = make_shop(owners=(anna,), slug="anna-books", status=ShopStatus.PUBLISHED,
                      name={"en": "Anna's Books"})
    with app.app_context():
        session = db.session
        links.add_link(session, square.id, {"to_scene_id": lane.id, "bearing": 90})
        tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old"}})
        tour_service.add_stop(session, tour.id, {"scene_id": square.id})
        tour_service.update_tour(session, tour.id, {"status": "published"})
        session.commit()
    return Street(square.id, lane.id, sun.id, books.id)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def open_editor(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, state="attached", timeout=30_000)


def viewer_box(page: Any) -> dict[str, float]:
    return page.locator(".hotspot-viewer").bounding_box()


def spherical_at(page: Any, x: float, y: float) -> dict[str, float]:
    """What the viewer shows at the page's point (x, y), in degrees (PSV's own conversion)."""
    box = viewer_box(page)
    return page.evaluate("""([x, y]) => {
        const p = window.flaneurHotspotViewer.dataHelper.viewerCoordsToSphericalCoords({x, y});
        let yaw = p.yaw * 180 / Math.PI;
        if (yaw >= 180) yaw -= 360;
        return {yaw, pitch: p.pitch * 180 / Math.PI};
    }""", [x - box["x"], y - box["y"]])


def stored(app: Flask, scene_id: int) -> list[Hotspot]:
    with app.app_context():
        found = list(db.session.scalars(select(Hotspot).where(Hotspot.scene_id == scene_id)
                                        .order_by(Hotspot.id)))
        db.session.expunge_all()
        return found


def status_says(page: Any, text: str) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('.hotspot-status').textContent.includes(text)", arg=text)


def place_by_click(page: Any, dx: float = 0, dy: float = 0) -> dict[str, float]:
    """"Add hotspot", then a click ``dx``, ``dy`` pixels from the view's centre; returns where
    the viewer says that point is."""
    page.get_by_role("button", name="Add hotspot").click()
    page.locator(".hotspot-viewer").scroll_into_view_if_needed()
    box = viewer_box(page)
    point = (box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
    expected = spherical_at(page, *point)
    page.mouse.click(*point)
    page.wait_for_selector(".hotspot-form legend:text('New hotspot')")
    return expected


def patch_answer(page: Any, action: Callable[[], None]) -> Any:
    with page.expect_response(lambda answer: answer.request.method == "PATCH"
                              and "/api/hotspots/" in answer.url) as answer:
        action()
    return answer.value


def test_an_editor_places_drags_edits_and_undoes(app: Flask, street: Street, page: Any):
    watch_responses(page)
    with serve(app) as base:
        sign_in(page, base, EDITOR)
        open_editor(page, f"{base}/edit/scenes/{street.lane}/hotspots?lang=en")
        # a shop hotspot where the editor clicks
        expected_shop = place_by_click(page)
        page.get_by_label("Kind").select_option("shop")
        page.get_by_label("Search shops").fill("sun")
        page.get_by_label("Shop", exact=True).select_option(label="Sun Bakery")
        page.get_by_role("button", name="Save").click()
        status_says(page, "The hotspot was placed.")
        # an info hotspot further right and up
        expected_info = place_by_click(page, 220, -60)
        page.get_by_label("Kind").select_option("info")
        page.get_by_label("Label (English)").fill("Fountain")
        page.get_by_label("Label (German)").fill("Brunnen")
        page.get_by_label("Text (English)").fill("Built in 1890.")
        page.get_by_role("button", name="Save").click()
        status_says(page, "The hotspot was placed.")
        screenshot(page, "hotspot-editor-placed")

        shop, info = stored(app, street.lane)
        assert (shop.kind.value, shop.shop_id, shop.status) == ("shop", street.sun_shop,
                                                                 HotspotStatus.APPROVED)
        assert shop.yaw == pytest.approx(expected_shop["yaw"], abs=0.5)
        assert shop.pitch == pytest.approx(expected_shop["pitch"], abs=0.5)
        assert (info.kind.value, info.label, info.text) == (
            "info", {"en": "Fountain", "de": "Brunnen"}, {"en": "Built in 1890."})
        assert info.yaw == pytest.approx(expected_info["yaw"], abs=0.5)
        assert info.pitch == pytest.approx(expected_info["pitch"], abs=0.5)
        assert info.yaw > shop.yaw + 5
        assert info.pitch > shop.pitch + 2

        # drag the info hotspot left and down
        marker = page.locator(f'.hotspot-marker[data-hotspot="{info.id}"]')
        page.locator(".hotspot-viewer").scroll_into_view_if_needed()
        start = marker.bounding_box()
        x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        target = (x0 - 120, y0 + 80)
        expected_drag = spherical_at(page, *target)
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 - 60, y0 + 40, steps=4)
        answer = patch_answer(page, lambda: (page.mouse.move(*target, steps=4),
                                             page.mouse.up()))
        assert answer.status == 200
        status_says(page, "Moved.")
        dragged = stored(app, street.lane)[1]
        assert dragged.yaw == pytest.approx(expected_drag["yaw"], abs=0.75)
        assert dragged.pitch == pytest.approx(expected_drag["pitch"], abs=0.75)
        assert dragged.yaw < info.yaw - 3
        screenshot(page, "hotspot-editor-dragged")

        # the keyboard's way: select the shop hotspot in the list, nudge it right by 1°
        page.locator(f'.hotspot-list-item[data-hotspot="{shop.id}"]').click()
        patch_answer(page, lambda: page.get_by_role("button", name="Right by 1°").click())
        assert stored(app, street.lane)[0].yaw == pytest.approx(shop.yaw + 1, abs=0.01)

        # edit the info hotspot's label, then undo it (button), then undo the nudge (Ctrl+Z)
        page.locator(f'.hotspot-list-item[data-hotspot="{info.id}"]').click()
        page.get_by_label("Label (English)").fill("Old fountain")
        patch_answer(page, lambda: page.get_by_role("button", name="Save").click())
        status_says(page, "Saved.")
        assert stored(app, street.lane)[1].label == {"en": "Old fountain", "de": "Brunnen"}
        patch_answer(page, lambda: page.get_by_role("button", name="Undo").click())
        status_says(page, "Undone.")
        assert stored(app, street.lane)[1].label == {"en": "Fountain", "de": "Brunnen"}
        patch_answer(page, lambda: page.keyboard.press("Control+z"))
        assert stored(app, street.lane)[0].yaw == pytest.approx(shop.yaw, abs=0.01)

        # another editor changes the info hotspot meanwhile: the next save is refused (409),
        # said, and the hotspot reloaded
        with app.app_context():
            hotspots.update_hotspot(db.session, info.id, {"label": {"en": "Their fountain"}})
            db.session.commit()
        page.locator(f'.hotspot-list-item[data-hotspot="{info.id}"]').click()
        page.get_by_label("Label (English)").fill("Mine")
        answer = patch_answer(page, lambda: page.get_by_role("button", name="Save").click())
        assert answer.status == 409
        status_says(page, "Someone else changed this hotspot in the meantime.")
        page.wait_for_selector(f'.hotspot-list-item[data-hotspot="{info.id}"]'
                               ":text('Their fountain')")
        # the typed input is still there: saving again applies it on the reloaded version
        assert page.get_by_label("Label (English)").input_value() == "Mine"
        screenshot(page, "hotspot-editor-conflict")
        assert stored(app, street.lane)[1].label == {"en": "Their fountain"}
        # refused changes are said on the page; the 409 was expected
        page.problems[:] = [problem for problem in page.problems if "409" not in problem]
    assert page.problems == []


def test_an_owner_places_and_requests_and_an_editor_approves(app: Flask, street: Street,
                                                             page: Any, browser: Any,
                                                             tmp_path):
    watch_responses(page)
    interior_file = tmp_path / "inside.jpg"
    interior_file.write_bytes(jpeg_bytes(textured_panorama(1024, seed=3)))
    with serve(app) as base:
        sign_in(page, base, OWNER)
        page.goto(f"{base}/my/shops/{street.book_shop}/edit?lang=en")
        page.get_by_role("link", name="In the walk: interior panoramas and hotspots").click()
        page.get_by_label("Panorama file").set_input_files(str(interior_file))
        page.get_by_role("button", name="Upload").click()
        page.wait_for_selector(".flash-success")
        assert "is being prepared" in page.locator(".flash-success").inner_text()
        # the tiling job (the test app runs no worker threads)
        Worker.from_config(app, handler_registry(app), "test").run(drain=True)
        with app.app_context():
            interior = db.session.scalar(select(Scene).where(Scene.shop_id == street.book_shop))
            assert interior.slug == "anna-books-interior"
            interior_id = interior.id
        page.reload()
        page.get_by_role("link", name="Place hotspots").click()
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        place_by_click(page)
        page.get_by_label("Kind").select_option("info")
        page.get_by_label("Label (English)").fill("Reading corner")
        page.get_by_label("Text (English)").fill("Sit down and read.")
        page.get_by_role("button", name="Save").click()
        status_says(page, "The hotspot was placed.")
        screenshot(page, "hotspot-editor-owner-interior")
        [inside] = stored(app, interior_id)
        assert (inside.kind.value, inside.status) == ("info", HotspotStatus.APPROVED)

        # a request in the square, the walk's street
        page.goto(f"{base}/my/shops/{street.book_shop}/walk?lang=en")
        page.get_by_label("Scene of the walk").select_option(label="Square")
        page.get_by_role("button", name="Open the hotspot editor").click()
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        # request mode starts in "Add hotspot"; the owner's shop is chosen already
        assert page.get_by_role("button", name="Add hotspot").get_attribute(
            "aria-pressed") == "true"
        page.locator(".hotspot-viewer").scroll_into_view_if_needed()
        box = viewer_box(page)
        page.mouse.click(box["x"] + box["width"] / 2 - 150, box["y"] + box["height"] / 2)
        page.wait_for_selector(".hotspot-form legend:text('New hotspot')")
        assert page.get_by_label("Shop", exact=True).input_value() == str(street.book_shop)
        page.get_by_role("button", name="Send request").click()
        status_says(page, "Your request was sent to the editors.")
        screenshot(page, "hotspot-editor-owner-request")
        [request] = stored(app, street.square)
        assert (request.shop_id, request.status) == (street.book_shop, HotspotStatus.REQUESTED)
        page.goto(f"{base}/my/shops/{street.book_shop}/walk?lang=en")
        assert "Waiting for an editor" in page.locator("#requests").inner_text()
        # visitors do not see it yet
        walk = page.request.get(f"{base}/api/walk/scenes/square").json()
        assert walk["hotspots"] == []

        with tab(browser) as staff:
            sign_in(staff, base, EDITOR)
            staff.goto(f"{base}/staff/moderation?lang=en")
            staff.get_by_role("link", name="Hotspot requests of shop owners").click()
            card = staff.locator("article.hotspot-request")
            assert "Anna's Books" in card.inner_text()
            assert "Square" in card.inner_text()
            screenshot(staff, "hotspot-requests-queue")
            card.get_by_role("button", name="Approve").click()
            staff.wait_for_selector(".flash-success")
            assert staff.problems == []
        [request] = stored(app, street.square)
        assert request.status is HotspotStatus.APPROVED
        assert request.decided_by_id is not None

        page.reload()
        assert "Approved: shown to visitors" in page.locator("#requests").inner_text()
        screenshot(page, "hotspot-requests-owner-page")
        walk = page.request.get(f"{base}/api/walk/scenes/square").json()
        assert [spot["id"] for spot in walk["hotspots"]] == [request.id]
        assert walk["hotspots"][0]["shop"]["name"] == "Anna's Books"
    assert page.problems == []
