"""Visitor statistics end to end in Chromium: a visitor walks the test tour, opens the shop's
card and follows its website link (answered by the test, nothing leaves loopback); once the
counts are flushed an editor sees them on ``/edit/statistics``: the chart drawn on its
canvas, the numbers in the tables. The dashboard's screenshot lands in test-artifacts/."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from server.visitor_stats import flush_visits, visit_buffer
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.walk_world import SHOP_PITCH, SHOP_YAW, open_walk, tab
from tours.models import Role

pytestmark = pytest.mark.browser

EDITOR = "statistik@example.org"
#: what the visit below counts: the tour, the market scene, the hotspot, the card, the website
VISIT_EVENTS = 5


def wait_for_counts(app: Flask, expected: int, timeout: float = 20.0) -> None:
    """Until the beacons the page sent have reached the server's buffer."""
    deadline = time.monotonic() + timeout
    while visit_buffer(app).waiting() < expected:
        assert time.monotonic() < deadline, f"{visit_buffer(app).waiting()} counts arrived"
        time.sleep(0.05)


def test_a_visit_shows_up_on_the_editors_dashboard(app, browser, site, world, make_user):
    # the visitor: tour and scene viewed, the shop's card opened, its website followed
    with tab(browser) as visitor:
        visitor.context.route("https://sun.example/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Sun Bakery</title>"))
        open_walk(visitor, f"{site}/tours/old-town/market?yaw={SHOP_YAW}&pitch={SHOP_PITCH}"
                           "&zoom=50&lang=en")
        visitor.locator(f'.walk-hotspot[data-hotspot="{world.hotspot_id}"]').click()
        card = visitor.locator("#walk-card")
        card.wait_for(state="visible")
        with visitor.context.expect_page() as opened:
            card.get_by_role("link", name="Website").click()
        shop_site = opened.value
        shop_site.wait_for_load_state()
        assert shop_site.url == "https://sun.example/"
        shop_site.close()
        wait_for_counts(app, VISIT_EVENTS)
        assert visitor.problems == []
    assert flush_visits(app) == VISIT_EVENTS

    # the editor
    make_user(email=EDITOR, role=Role.EDITOR)
    with tab(browser) as page:
        page.goto(f"{site}/login?lang=en")
        page.get_by_label("Email address").fill(EDITOR)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/")
        page.goto(f"{site}/edit?lang=en")
        page.get_by_role("link", name="Visitor statistics").click()
        page.wait_for_url(f"{site}/edit/statistics")
        chart = page.locator('[data-editor="statistics"][data-ready="true"]')
        chart.wait_for(state="attached")
        assert chart.get_attribute("data-series") == "7"
        # something was drawn: the canvas holds opaque pixels
        drawn = page.evaluate("""() => {
            const canvas = document.querySelector('[data-editor="statistics"] canvas');
            const pixels = canvas.getContext("2d").getImageData(
                0, 0, canvas.width, canvas.height).data;
            let opaque = 0;
            for (let index = 3; index < pixels.length; index += 4) {
                if (pixels[index] > 0) opaque += 1;
            }
            return opaque;
        }""")
        assert drawn > 1000
        sums = {event: page.locator(f'.stats-sums [data-event="{event}"] strong').inner_text()
                for event in ("tour_view", "scene_view", "hotspot_open", "card_open",
                              "website_click", "online_shop_click", "route_request")}
        assert sums == {"tour_view": "1", "scene_view": "1", "hotspot_open": "1",
                        "card_open": "1", "website_click": "1", "online_shop_click": "0",
                        "route_request": "0"}
        assert page.locator("#stats-tours tbody tr").inner_text().split("\t") == [
            "Old town", "1"]
        assert page.locator("#stats-scenes tbody tr").inner_text().split("\t") == [
            "Market", "1"]
        shop_row = page.locator(f'#stats-shops tr[data-subject="{world.shop_id}"]')
        assert shop_row.locator("th").inner_text() == "Sun Bakery"
        screenshot(page, "statistics-dashboard")
        page.locator("#stats-shops").scroll_into_view_if_needed()
        screenshot(page, "statistics-dashboard-tables")
        assert page.problems == []
