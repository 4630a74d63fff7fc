"""An editor finds a broken shop link on the freshness dashboard and asks for a new check; the
shop's owner is reminded at sign-in and confirms the details. Screenshots land in
test-artifacts/. The link check rows are written directly: nothing here reaches a network."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from server.extensions import db
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tours.models import LinkCheck, LinkCheckOutcome, Role, Shop, utcnow

pytestmark = pytest.mark.browser

EDITOR = "redaktion@example.org"
OWNER = "sonne@example.org"


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_editor_dashboard_and_owner_reminder(app: Flask, make_user, make_shop, page):
    make_user(email=EDITOR, role=Role.EDITOR)
    owner = make_user(email=OWNER, role=Role.SHOP_OWNER)
    shop = make_shop(owners=(owner,), slug="sun-bakery", status="published",
                     website="https://sun-bakery.example/")
    with app.app_context():
        row = db.session.get(Shop, shop.id)
        row.last_confirmed_at = utcnow() - dt.timedelta(days=400)
        db.session.add(LinkCheck(shop_id=shop.id, field="website",
                                 url="https://sun-bakery.example/",
                                 outcome=LinkCheckOutcome.BROKEN, status_code=404, detail="404"))
        db.session.commit()

    with serve(app) as base:
        _sign_in(page, base, EDITOR)
        page.goto(f"{base}/edit")
        page.get_by_role("link", name="Keeping the walk fresh (2 to look at)").click()
        page.wait_for_url(f"{base}/edit/freshness")
        assert page.get_by_role("link", name="1 broken shop link").is_visible()
        row = page.locator("tr.link-check-broken")
        assert "https://sun-bakery.example/" in row.inner_text()
        screenshot(page, "freshness-dashboard")
        page.get_by_role("button", name="Check links now").click()
        page.wait_for_url(f"{base}/edit/freshness")
        assert "being checked" in page.locator(".flash-success").inner_text()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/")

        _sign_in(page, base, OWNER)
        reminder = page.locator(".flash-reminder")
        assert "were last confirmed on" in reminder.inner_text()
        assert "“Website” of Sun Bakery did not work" in reminder.inner_text()
        screenshot(page, "freshness-owner-reminder")
        reminder.get_by_role("link", name="Open Sun Bakery").click()
        page.wait_for_url(f"{base}/my/shops/{shop.id}/edit")
        page.get_by_role("button", name="My data is current").click()
        page.wait_for_url(f"{base}/my/shops/{shop.id}/edit")
        assert "confirmed today" in page.locator(".flash-success").inner_text()
    assert page.problems == []
