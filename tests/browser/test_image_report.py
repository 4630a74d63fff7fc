"""A visitor reports the image of the walk page in Debian's Chromium: the form under the view
sends the scene and the view shown at that moment, and the visitor reads the confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.support.browser import screenshot
from tests.support.walk_world import open_walk, view_of
from tours.models import ImageReport, ReportStatus

pytestmark = pytest.mark.browser


def test_a_visitor_reports_the_image_and_sees_the_confirmation(app: Flask, site: str,
                                                               page: Any) -> None:
    open_walk(page, f"{site}/tours/old-town/market?yaw=40&pitch=-10&zoom=55")
    shown = view_of(page)
    page.get_by_text("Report this image").click()
    page.get_by_label("Reason").select_option("person")
    page.get_by_label("Comment (optional)").fill("My face, next to the fountain")
    page.get_by_role("button", name="Send report").click()
    status = page.locator(".walk-report-status")
    status.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('.walk-report-status').textContent.length > 0")
    assert status.text_content() == ("Thank you. The city's editors will look at this "
                                     "image soon.")
    page.locator("#walk-report").scroll_into_view_if_needed()
    screenshot(page, "walk-image-report")
    assert page.problems == []
    with app.app_context():
        report = db.session.scalars(select(ImageReport)).one()
        assert report.reason.value == "person"
        assert report.comment == "My face, next to the fountain"
        assert report.status is ReportStatus.OPEN
        assert report.scene is not None
        assert report.scene.slug == "market"
        assert report.view is not None
        assert report.view["yaw"] == pytest.approx(shown["yaw"], abs=0.5)
        assert report.view["pitch"] == pytest.approx(shown["pitch"], abs=0.5)


def test_the_text_version_leads_to_the_form_without_scripts(app: Flask, site: str,
                                                           page: Any) -> None:
    page.goto(f"{site}/text/tours/old-town")
    page.get_by_role("link", name="Report this image").first.click()
    page.wait_for_url(f"{site}/report/*")
    page.get_by_label("Reason").select_option("licence_plate")
    page.get_by_label("Comment (optional)").fill("The van by the fountain")
    page.get_by_role("button", name="Send report").click()
    page.get_by_role("status").filter(has_text="Thank you").wait_for()
    screenshot(page, "image-report-without-scripts")
    with app.app_context():
        [report] = db.session.scalars(select(ImageReport)).all()
        assert report.reason.value == "licence_plate"
        assert report.comment == "The van by the fountain"
    # back to where the visitor came from
    page.get_by_role("link", name="Back to the tour").click()
    page.wait_for_url(f"{site}/text/tours/old-town#scene-*")
    assert page.problems == []
