"""An info hotspot's picture in Debian's Chromium: on the card (desktop and a 360 px phone) and
in the text version, loaded and described (the walk of ``tests.support.walk_world``, whose
"Fountain" gets a picture here).

Every test waits on the page's own signals or on the image's state, never on fixed sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.accessibility import axe_violations, describe
from tests.support.browser import screenshot
from tests.support.hotspot_images import picture_bytes, show_picture
from tests.support.walk_world import WalkWorld, open_walk, tab

pytestmark = pytest.mark.browser

ALT = {"en": "The fountain's basin with its stone column", "de": "Das Brunnenbecken mit Säule"}
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
#: what the browser made of an image: loaded (``naturalWidth``), its box and its description
IMAGE_STATE = """(image) => ({complete: image.complete, naturalWidth: image.naturalWidth,
    alt: image.getAttribute("alt"), box: image.getBoundingClientRect().toJSON()})"""


@pytest.fixture
def pictured(app: Any, world: WalkWorld) -> WalkWorld:
    """The walk, its fountain showing a 1200 × 800 picture described in English and German."""
    show_picture(app, world.info_id, picture_bytes((1200, 800)), alt=ALT)
    return world


def loaded(page: Any, selector: str) -> dict[str, Any]:
    """Waits until the image has loaded (or failed: then ``naturalWidth`` stays 0)."""
    image = page.locator(selector)
    image.wait_for(state="visible")
    page.wait_for_function("(image) => image.complete", arg=image.element_handle())
    return image.evaluate(IMAGE_STATE)


def open_fountain_card(page: Any) -> Any:
    page.get_by_role("button", name="Fountain — information").click()
    card = page.locator("#walk-card")
    card.wait_for(state="visible")
    return card


def test_the_card_shows_the_picture_above_the_text(browser, site, pictured):
    # axe-core is injected, so this page's context bypasses the CSP (as in the audit)
    with tab(browser, bypass_csp=True) as page:
        open_walk(page, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
        card = open_fountain_card(page)
        state = loaded(page, "#walk-card .walk-card-image")
        assert state["naturalWidth"] > 0, state
        assert state["alt"] == ALT["en"]
        # the heading, then the picture, then the text; all inside the card
        title = card.locator(".walk-card-title").bounding_box()
        text = card.locator(".walk-card-text").bounding_box()
        box = card.bounding_box()
        picture = state["box"]
        assert title["y"] + title["height"] <= picture["y"] + 1
        assert picture["y"] + picture["height"] <= text["y"] + 1
        assert box["x"] - 1 <= picture["x"]
        assert picture["x"] + picture["width"] <= box["x"] + box["width"] + 1
        assert picture["width"] > 200
        # the description is an attribute, not markup: the card holds this one image only
        assert card.locator("img").count() == 1
        screenshot(page, "walk-info-card-image")
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        assert page.problems == []


def test_the_picture_fits_the_card_on_a_360_px_phone(browser, site, pictured):
    with tab(browser, **PHONE) as phone:
        open_walk(phone, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=40&lang=de")
        phone.get_by_role("button", name="Brunnen — ", exact=False).tap()
        card = phone.locator("#walk-card")
        card.wait_for(state="visible")
        state = loaded(phone, "#walk-card .walk-card-image")
        assert state["naturalWidth"] > 0, state
        assert state["alt"] == ALT["de"]
        picture, box = state["box"], card.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
        assert box["x"] <= picture["x"]
        assert picture["x"] + picture["width"] <= box["x"] + box["width"]
        # the sheet stays on the screen and leaves room for the text under the picture
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= 740
        assert picture["height"] <= 740 / 3 + 1
        assert card.locator(".walk-card-text").is_visible()
        assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(phone, "walk-phone-info-card-image")
        assert phone.problems == []


def test_the_text_version_shows_the_picture(page, site, pictured):
    page.goto(f"{site}/text/tours/old-town?lang=en")
    state = loaded(page, "#scene-market .walk-text-image")
    assert state["naturalWidth"] > 0, state
    assert state["alt"] == ALT["en"]
    assert state["box"]["width"] <= 32 * 16 + 1
    page.locator("#scene-market .walk-text-image").scroll_into_view_if_needed()
    screenshot(page, "walk-text-info-image")
    assert page.problems == []
