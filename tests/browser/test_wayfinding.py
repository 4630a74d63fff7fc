"""A visitor asks for a shop and is guided there step by step, in Debian's Chromium: with and
without the step-free option, up a level of a mall; a shared route link; a kiosk's QR code.

The city (one panorama tiled by the real pipeline everywhere)::

    square --(east)--> street --(north, 30 m)--> entrance [level 0]
    entrance --(stairs, 15 m)--> gallery [level 1]
    entrance --(west, 10 m)--> lift hall [0] --(elevator, 5 m)--> gallery [1]
    gallery: the hotspot of "Book Nook"

Every wait is on the page's own signals (the scene it reports, the guide's step), never a
fixed sleep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from server.extensions import db
from tests.support import walk_world
from tests.support.accessibility import axe_violations, describe
from tests.support.browser import screenshot
from tests.support.walk_world import ALWAYS_OPEN, open_walk, stored_panorama, tab
from tests.walk.conftest import link, tour_of
from tours import hotspots
from tours import links as link_service
from tours.models import Link, Panorama, Scene, ShopStatus, TourStatus, utcnow

pytestmark = pytest.mark.browser

tiles = walk_world.tiles


@pytest.fixture
def mall(app: Flask, tiles: walk_world.Tiles, make_panorama: Callable[..., Panorama],
         make_scene: Callable[..., Scene], make_shop: Callable[..., Any]) -> None:
    panorama = stored_panorama(app, tiles, make_panorama)

    def scene(slug: str, title: str, **fields: Any) -> Scene:
        return make_scene(panorama, slug=slug, title={"en": title}, **fields)

    square = scene("square", "Market square", latitude=48.0, longitude=8.0)
    street = scene("street", "High street", latitude=48.0, longitude=8.00054)
    entrance = scene("entrance", "Mall entrance", level="0")
    lift = scene("lift", "Lift hall", level="0")
    gallery = scene("gallery", "Gallery", level="1")
    shop = make_shop(slug="book-nook", status=ShopStatus.PUBLISHED, name={"en": "Book Nook"},
                     short_description={"en": "Second-hand books"}, opening_hours=ALWAYS_OPEN)
    with app.app_context():
        session = db.session
        link(session, square, street, 90.0)
        link(session, street, entrance, 0.0, length_m=30.0)
        link(session, entrance, gallery, 20.0, kind="stairs", length_m=15.0)
        link(session, entrance, lift, 270.0, length_m=10.0)
        link(session, lift, gallery, 0.0, kind="elevator", length_m=5.0)
        hotspots.add_hotspot(session, gallery.id, {
            "yaw": 120.0, "pitch": -5.0, "kind": "shop", "shop_id": shop.id})
        tour_of(session, "city", [square], status=TourStatus.PUBLISHED)
        session.commit()


@pytest.fixture
def site(app: Flask, mall: None, page: Any):
    walk_world.watch_responses(page)
    with walk_world.serve(app) as base:
        yield base


def find_shop(page: Any, words: str, *, step_free: bool = False) -> None:
    page.get_by_role("button", name="Find a shop").click()
    if step_free:
        page.get_by_label("Step-free route (no stairs or escalators)").check()
    page.get_by_label("Shop name or what it sells").fill(words)
    page.locator('.walk-route-result[data-shop="book-nook"]').click()
    page.wait_for_selector('#walk-route[data-route="found"]', state="attached")


def steps_shown(page: Any) -> list[str]:
    return page.locator(".walk-route-step").all_inner_texts()


def follow(page: Any, step: int, to_scene: str, *, by_arrow: bool = False) -> None:
    """Waits for the guide at ``step`` and takes its way: the glowing arrow or "Go"."""
    page.wait_for_selector(f'#walk-guide[data-step="{step}"]', state="attached")
    arrow = page.locator(".walk-arrow.walk-arrow-guide")
    assert arrow.count() == 1
    assert arrow.get_attribute("data-scene") == to_scene
    # the same way is marked among the buttons under the view
    way = page.locator('.walk-place-link[aria-current="step"]')
    assert way.count() == 1
    assert way.get_attribute("data-scene") == to_scene
    if by_arrow:
        # the glowing arrow pulses, which Playwright waits out forever; visitors who ask for
        # less motion get a still one
        page.emulate_media(reduced_motion="reduce")
        arrow.wait_for(state="visible")
        arrow.click()
    else:
        page.locator(".walk-guide-go").click()
    page.wait_for_selector(f'#walk-viewer[data-scene="{to_scene}"]', state="attached")


def test_a_visitor_is_guided_up_the_stairs_to_the_shop(page: Any, site: str) -> None:
    open_walk(page, f"{site}/tours/city/square?lang=en")
    find_shop(page, "book")

    assert steps_shown(page) == [
        "Head east towards High street, 40 m",
        "Turn left towards Mall entrance, 30 m",
        "Take the stairs to level 1",
        "You have arrived at Book Nook.",
    ]
    assert "about 2 minutes on foot" in page.locator(".walk-route-summary").inner_text()
    assert page.locator(".walk-route-map .walk-route-line").count() == 1
    # the walk's plan shows it too: the one leg between two placed scenes
    page.wait_for_selector('#walk-plan[data-route="1"]', state="attached")
    assert page.locator("#walk-plan .walk-plan-route line").count() == 1
    screenshot(page, "route-found")

    page.get_by_role("button", name="Guide me").click()
    follow(page, 0, "street", by_arrow=True)
    screenshot(page, "route-guide-step-2")
    assert page.locator(".walk-guide-text").inner_text() == "Turn left towards Mall entrance, 30 m"
    follow(page, 1, "entrance")
    assert page.locator(".walk-guide-text").inner_text() == "Take the stairs to level 1"
    follow(page, 2, "gallery", by_arrow=True)

    page.wait_for_selector('#walk-guide[data-step="arrived"]', state="attached")
    assert page.locator(".walk-guide-text").inner_text() == "You have arrived at Book Nook."
    card = page.locator("#walk-card")
    card.wait_for(state="visible")
    assert "Book Nook" in card.inner_text()
    screenshot(page, "route-arrived")
    assert page.problems == []


def test_a_step_free_route_takes_the_elevator(page: Any, site: str) -> None:
    open_walk(page, f"{site}/tours/city/square?lang=en")
    find_shop(page, "nook", step_free=True)

    shown = steps_shown(page)
    assert shown[2:] == ["Turn left towards Lift hall, 10 m", "Take the elevator to level 1",
                         "You have arrived at Book Nook."]
    assert not any("stairs" in step for step in shown)
    assert "by wheelchair" in page.locator(".walk-route-summary").inner_text()

    page.get_by_role("button", name="Guide me").click()
    for number, scene in enumerate(("street", "entrance", "lift", "gallery")):
        follow(page, number, scene)
    page.wait_for_selector('#walk-guide[data-step="arrived"]', state="attached")
    page.locator("#walk-card").wait_for(state="visible")
    screenshot(page, "route-step-free-arrived")
    assert page.problems == []


def test_leaving_the_route_finds_the_way_from_there(page: Any, site: str) -> None:
    open_walk(page, f"{site}/tours/city/square?lang=en")
    find_shop(page, "book", step_free=True)
    page.get_by_role("button", name="Guide me").click()
    follow(page, 0, "street")
    follow(page, 1, "entrance")
    # not the lift (the guide's way): the stairs, which a step-free route never takes
    page.evaluate("() => window.flaneurViewer.getPlugin('virtual-tour')"
                  ".setCurrentNode('gallery')")
    page.wait_for_selector('#walk-viewer[data-scene="gallery"]', state="attached")

    page.wait_for_selector('#walk-guide[data-step="arrived"]', state="attached")
    assert page.problems == []


def test_a_shared_route_link_opens_the_route(page: Any, site: str) -> None:
    open_walk(page, f"{site}/tours/city/square?lang=en&route_to=book-nook&step_free=1")

    page.wait_for_selector('#walk-route[data-route="found"]', state="attached")
    assert "Take the elevator to level 1" in steps_shown(page)
    share = page.locator(".walk-route-share")
    assert share.get_attribute("href") == (
        "/tours/city/square?route_to=book-nook&step_free=1")
    assert page.problems == []


def test_a_kiosk_shows_the_routes_qr_code(page: Any, site: str) -> None:
    open_walk(page, f"{site}/kiosk/tours/city/square?lang=en")
    # the search is open on a kiosk: no button to find first
    page.get_by_label("Shop name or what it sells").fill("book")
    page.locator('.walk-route-result[data-shop="book-nook"]').click()
    page.wait_for_selector('#walk-route[data-route="found"]', state="attached")

    code = page.get_by_role("img", name="QR code of the link to this route")
    code.wait_for(state="visible")
    page.wait_for_function("""() => {
        const image = document.querySelector('.walk-route-qr img');
        return image && image.complete && image.naturalWidth > 0;
    }""")
    assert "route_to%3Dbook-nook" in code.get_attribute("src")
    screenshot(page, "route-kiosk-qr")
    assert page.problems == []


def test_no_step_free_route_is_said_plainly(app: Flask, page: Any, site: str) -> None:
    with app.app_context():
        for found in db.session.query(Link).filter_by(kind="elevator"):
            link_service.update_link(db.session, found.id, {
                "closed_until": utcnow() + dt.timedelta(days=1)})
        db.session.commit()
    open_walk(page, f"{site}/tours/city/square?lang=en")
    page.get_by_role("button", name="Find a shop").click()
    page.get_by_label("Step-free route (no stairs or escalators)").check()
    page.get_by_label("Shop name or what it sells").fill("book")
    page.locator('.walk-route-result[data-shop="book-nook"]').click()

    page.wait_for_selector('#walk-route[data-route="no_step_free_route"]', state="attached")
    assert page.locator(".walk-route-none").inner_text().startswith(
        "There is no step-free route from here to Book Nook")
    assert page.problems == []


def test_the_route_panel_and_the_guide_pass_the_accessibility_audit(browser: Any, site: str
                                                                    ) -> None:
    # axe-core needs a tab that admits its injected script (the site's CSP does not)
    with tab(browser, bypass_csp=True) as page:
        open_walk(page, f"{site}/kiosk/tours/city/square?lang=en")
        page.get_by_label("Shop name or what it sells").fill("book")
        page.locator('.walk-route-result[data-shop="book-nook"]').click()
        page.wait_for_selector('#walk-route[data-route="found"]', state="attached")
        page.get_by_role("button", name="Guide me").click()
        page.wait_for_selector('#walk-guide[data-step="0"]', state="attached")

        violations = axe_violations(page)

        assert violations == [], describe(violations)
