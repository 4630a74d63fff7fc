"""The walk in another site's iframe, in Debian's Chromium: a page on a second origin pastes
the tour page's ``<iframe>`` code and the walk runs inside it."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask

from tests.browser.test_walk_viewer import READY, open_walk, site, tiles, world  # noqa: F401
from tests.support.browser import screenshot
from tests.support.live_server import serve


def host_site(code: str) -> Flask:
    """A shop's website on its own origin, showing the walk with the code it was given."""
    host = Flask("shop_site")
    host.add_url_rule("/", "home", lambda: (
        "<!doctype html><html lang='en'><title>Sun Bakery</title>"
        f"<h1>Visit us in the old town</h1>{code}</html>"))
    host.add_url_rule("/favicon.ico", "icon", lambda: ("", 204))
    return host


def test_a_shop_site_embeds_the_walk_with_the_copied_code(page: Any, site: str):  # noqa: F811
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_walk(page, f"{site}/tours/old-town?lang=en")
    box = page.locator("#walk-embed-code")
    box.locator("summary").click()
    box.get_by_role("button", name="Copy code").click()
    box.get_by_role("status").filter(has_text="Code copied").wait_for()
    code = page.evaluate("() => navigator.clipboard.readText()")
    shown = html.unescape(box.locator("textarea").input_value())
    assert code == shown
    assert re.match(rf'<iframe src="{re.escape(site)}/embed/tours/old-town" ', code), code
    screenshot(page, "walk-embed-code")

    with serve(host_site(code)) as shop:
        assert shop != site
        page.goto(shop)
        frame = page.frame_locator("iframe")
        frame.locator(READY).wait_for(state="attached", timeout=30_000)
        inside = next(f for f in page.frames if "/embed/tours/old-town" in f.url)
        # the walk runs in the frame: its stop navigation, no site header or account links
        assert frame.locator(".walk-stop-counter").inner_text() == "Stop 1 of 2"
        # the viewer fills the frame between the title and the navigation (a canvas of no
        # height would leave the frame blank)
        canvas = frame.locator(".psv-canvas").bounding_box()
        assert canvas["height"] > 200, canvas
        assert frame.locator(".site-header").count() == 0
        assert frame.locator("form").count() == 0
        # the frame's address follows the view on the embed path; "open the full walk"
        # leads to the same view on the city's own pages
        inside.evaluate("() => window.flaneurViewer.rotate({yaw: '40deg', pitch: '5deg'})")
        inside.wait_for_url("**/embed/tours/old-town/market?yaw=40*")
        full = frame.get_by_role("link", name="Open the full walk")
        full.wait_for()
        # a different origin: the shop's page cannot reach into the walk's document
        assert page.evaluate('() => document.querySelector("iframe").contentDocument') is None
        href = full.get_attribute("href")
        assert href.startswith(f"{site}/tours/old-town/market?yaw=40"), href
        screenshot(page, "walk-embedded")
        # a shop's profile may not be framed: the card opens it outside the frame
        frame.get_by_role("button", name="Sun Bakery — shop").click()
        profile = frame.locator("#walk-card").get_by_role("link", name="See profile")
        profile.wait_for()
        assert profile.get_attribute("target") == "_blank"
    assert page.problems == []
