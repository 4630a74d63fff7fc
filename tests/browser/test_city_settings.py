"""An admin changes the city's name, colours and default language in Chromium; the next
visitor's page shows the new name, the header in the new colour (its computed style) and
the new language. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tours.models import Role

pytestmark = pytest.mark.browser

ADMIN = "stadt-admin@example.org"


def test_an_admin_restyles_the_city_for_the_next_visitor(app: Flask, make_user, page):
    make_user(email=ADMIN, role=Role.ADMIN)
    with serve(app) as base:
        page.goto(f"{base}/login?lang=en")
        page.get_by_label("Email address").fill(ADMIN)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")

        page.get_by_role("link", name="City settings").click()
        page.wait_for_url(f"{base}/admin/settings")
        page.get_by_label("City name").fill("Neustadt an der Weinstraße")
        page.get_by_label("Header colour").fill("#5b1a32")
        page.get_by_label("Header text").select_option("light")
        page.get_by_label("Accent colour").fill("#2b4d1f")
        page.get_by_label("Default language").select_option("de")
        page.get_by_label("Time zone").fill("Europe/Berlin")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(f"{base}/admin/settings")
        assert page.locator(".flash-success").inner_text() == "Saved."
        screenshot(page, "city-settings-admin")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/")

        # a new visitor whose browser asks for a language the site does not have
        page.context.clear_cookies()
        page.set_extra_http_headers({"Accept-Language": "it"})
        page.goto(f"{base}/")
        brand = page.locator(".site-header .brand")
        assert brand.inner_text() == "Neustadt an der Weinstraße"
        assert page.title().startswith("Neustadt an der Weinstraße")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator('.languages a[aria-current="true"]').inner_text() == "Deutsch"
        header = page.evaluate("() => { const style = getComputedStyle("
                               "document.querySelector('.site-header'));"
                               " return [style.backgroundColor, style.color]; }")
        assert header == ["rgb(91, 26, 50)", "rgb(255, 255, 255)"]
        assert page.evaluate("() => getComputedStyle(document.querySelector('.brand')).color"
                             ) == "rgb(255, 255, 255)"
        screenshot(page, "city-settings-visitor")
    assert page.problems == []
