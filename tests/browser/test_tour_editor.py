"""An editor builds a tour in Chromium: creates it, adds three stops by choosing scenes,
reorders them by drag and drop, writes a stop's text, sets a stop's view in the small viewer,
previews and publishes it; then renames it, and visitors keep the old title until the editor
publishes again. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from flask import Flask

from server.extensions import db
from tests.browser.test_walk_viewer import Tiles, tiles  # noqa: F401 - a fixture
from tests.support.accessibility import axe_violations, describe
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.walk_world import stored_panorama, tab
from tours import tour_service
from tours.models import Role, Tour, TourStatus

pytestmark = pytest.mark.browser

EDITOR = "kuratorin@example.org"


def stops_of(app: Flask, slug: str) -> list[tuple[str, dict[str, str], object]]:
    with app.app_context():
        tour = db.session.query(Tour).filter_by(slug=slug).one()
        return [(stop.scene.slug, stop.text, stop.initial_view)
                for stop in tour_service.list_stops(db.session, tour.id)]


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email address").fill(EDITOR)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_an_editor_builds_previews_and_publishes_a_tour(app: Flask, make_user, make_scene,
                                                        make_panorama, tiles: Tiles,  # noqa: F811
                                                        browser, page):
    make_user(email=EDITOR, role=Role.EDITOR)
    panorama = stored_panorama(app, tiles, make_panorama)
    for slug, title in (("market", "Market square"), ("hall", "Market hall"),
                        ("lane", "Narrow lane")):
        make_scene(panorama, slug=slug, title={"en": title})
    with serve(app) as base:
        sign_in(page, base)
        page.goto(f"{base}/edit/tours")
        page.get_by_label("Title").fill("Old town")
        page.get_by_label("Address (slug)").fill("old-town")
        page.get_by_role("button", name="Create the tour").click()
        page.wait_for_url(f"{base}/edit/tours/*")
        editor = page.locator('[data-editor="tour"][data-ready="true"]')
        editor.wait_for()
        assert page.locator("#tour-title-en").input_value() == "Old town"
        # three stops, chosen from the searchable list
        search = page.get_by_label("Search scenes")
        for query, title in (("market sq", "Market square"), ("hall", "Market hall"),
                             ("lane", "Narrow lane")):
            search.fill(query)
            page.get_by_role("button", name=f"Add {title} as a stop").click()
        stops = page.locator("#tour-editor-stop-list > li")
        assert stops.count() == 3
        # drag the lane (third) onto the first place
        # HTML5 drag events, as a browser sends them for a mouse drag
        transfer = page.evaluate_handle("() => new DataTransfer()")
        stops.nth(2).dispatch_event("dragstart", {"dataTransfer": transfer})
        stops.nth(0).dispatch_event("dragover", {"dataTransfer": transfer})
        stops.nth(0).dispatch_event("drop", {"dataTransfer": transfer})
        stops.nth(0).dispatch_event("dragend", {"dataTransfer": transfer})
        assert page.locator("#tour-editor-stop-list").get_attribute("data-order") is not None
        headings = page.locator("#tour-editor-stop-list h3").all_inner_texts()
        assert headings == ["Stop 1: Narrow lane", "Stop 2: Market square", "Stop 3: Market hall"]
        # the keyboard's way: the hall one place up
        page.get_by_role("button", name="Move up: Stop 3: Market hall").click()
        page.get_by_label("Text at this stop (English)").first.fill("Mind the cobbles.")
        # the second stop (the hall now) looks where the editor turned the small viewer
        page.get_by_role("button", name="Set the view: Stop 2: Market hall").click()
        page.locator(".tour-editor-view-panel[data-ready='true']").wait_for()
        page.evaluate("() => window.flaneurTourViewer.rotate({yaw: '40deg', pitch: '10deg'})")
        page.get_by_role("button", name="Use this view").click()
        screenshot(page, "tour-editor-stops")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-status').dataset.kind === 'ok'")
        stored = stops_of(app, "old-town")
        assert [slug for slug, _text, _view in stored] == ["lane", "hall", "market"]
        assert stored[0][1] == {"en": "Mind the cobbles."}
        view = stored[1][2]
        assert view is not None
        assert abs(view.yaw - 40) < 0.5
        assert abs(view.pitch - 10) < 0.5
        # the preview shows the saved draft as visitors would see it
        with page.context.expect_page() as opened:
            page.get_by_role("link", name="Preview").click()
        preview = opened.value
        preview.locator('[data-editor="tour_preview"][data-ready="true"]').wait_for()
        assert preview.locator("#walk-title").inner_text() == "Old town"
        assert preview.locator("#tour-preview-stops li").all_inner_texts()[0].strip().startswith(
            "Narrow lane")
        screenshot(preview, "tour-editor-preview")
        preview.close()
        page.get_by_role("button", name="Publish").click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-state').textContent === 'Published'")
        visitor = page.context.browser.new_page()
        try:
            visitor.goto(f"{base}/tours/old-town?lang=en")
            assert visitor.locator("#walk-title").inner_text() == "Old town"
            # a new title is a draft: visitors keep the old one until it is published
            page.locator("#tour-title-en").fill("Old town by night")
            page.get_by_role("button", name="Save", exact=True).click()
            page.wait_for_function(
                "() => document.getElementById('tour-editor-state').textContent"
                " === 'Published, with unpublished changes'")
            screenshot(page, "tour-editor-unpublished")
            visitor.goto(f"{base}/tours/old-town?lang=en")
            assert visitor.locator("#walk-title").inner_text() == "Old town"
            page.get_by_role("button", name="Publish").click()
            page.wait_for_function(
                "() => document.getElementById('tour-editor-state').textContent"
                " === 'Published'")
            visitor.goto(f"{base}/tours/old-town?lang=en")
            assert visitor.locator("#walk-title").inner_text() == "Old town by night"
        finally:
            visitor.close()
        # another editor saves the tour while this one is typing: a clear conflict, and the
        # typed intro stays for saving again on top of their version
        page.locator("#tour-intro-en").fill("Lanterns and cobbles.")
        with app.app_context():
            tour_id = db.session.query(Tour).filter_by(slug="old-town").one().id
            tour_service.update_tour(db.session, tour_id, {"title": {"en": "Their title"}})
            db.session.commit()
        page.get_by_role("button", name="Save", exact=True).click()
        conflict = page.locator("#tour-editor-conflict")
        conflict.wait_for()
        assert "Someone else saved this tour" in conflict.inner_text()
        assert "Their title: Their title" in conflict.inner_text()
        assert page.locator("#tour-intro-en").input_value() == "Lanterns and cobbles."
        screenshot(page, "tour-editor-conflict")
        # the browser logs the refused save; it is the one expected problem
        refused = [problem for problem in page.problems if "status of 409" in problem]
        assert len(refused) == 1
        page.problems.remove(refused[0])
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-status').dataset.kind === 'ok'")
        assert conflict.is_hidden()
        page.get_by_role("button", name="Publish").click()
        page.wait_for_function(
            "() => document.getElementById('tour-editor-state').textContent === 'Published'")
        page.goto(f"{base}/edit/tours")
        assert "Published" in page.locator('tr[data-tour="old-town"]').inner_text()
        screenshot(page, "tour-editor-list")
        # axe-core needs a tab that admits its injected script (the site's CSP does not)
        with tab(browser, bypass_csp=True) as audited:
            sign_in(audited, base)
            audited.goto(f"{base}/edit/tours?lang=en")
            violations = axe_violations(audited)
            assert violations == [], describe(violations)
            audited.get_by_role("link", name="Old town by night").click()
            audited.locator('[data-editor="tour"][data-ready="true"]').wait_for()
            audited.get_by_role("button", name="Set the view: Stop 1: Narrow lane").click()
            audited.locator(".tour-editor-view-panel[data-ready='true']").wait_for()
            violations = axe_violations(audited)
            assert violations == [], describe(violations)
            # withdrawn, the tour is gone for visitors; publishing would bring it back
            audited.get_by_role("button", name="Withdraw").click()
            audited.wait_for_function(
                "() => document.getElementById('tour-editor-state').textContent"
                " === 'Withdrawn'")
            assert audited.get_by_role("button", name="Withdraw").is_hidden()
            assert audited.request.get(f"{base}/tours/old-town").status == 404
            assert audited.problems == []
    with app.app_context():
        tour = db.session.query(Tour).filter_by(slug="old-town").one()
        assert tour.status is TourStatus.ARCHIVED
        assert tour.published["title"] == {"en": "Old town by night"}
        assert tour.published["intro"] == {"en": "Lanterns and cobbles."}
    assert page.problems == []
