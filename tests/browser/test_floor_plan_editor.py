"""A venue's floor plan, from the editor to the visitor, in Debian's Chromium.

An editor opens the floor plans from the editing overview, creates level 0 of the market hall,
uploads its drawing (a PNG made here), drags the market scene from the list onto the drawing
and places the hall with the keyboard ("Place in the middle", then the arrow key), and names
the level "Ground floor". A visitor
walking the tour at the market then sees that drawing in the plan panel instead of a map, with
"Markthalle, Ground floor" above it and the market highlighted; opening the hall from its dot moves
the highlight. The walk is tests/support/walk_world.py's (its scenes have no map position, so
without the floor plan there would be no plan at all). Every wait is on the page's own signals
(data-ready, data-busy, the status line, the plan's data attributes), never on sleeps.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from PIL import Image, ImageDraw

from server.extensions import db
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.walk_world import READY, open_walk, tab
from tours.models import Role, Scene

pytestmark = pytest.mark.browser

EDITOR = "floors@example.org"
TOOL_READY = '[data-editor="floor_plan"][data-ready="true"]'
IDLE = '[data-editor="floor_plan"][data-busy="false"]'
#: where the editor drops the market (fractions of the drawing)
DROP = (0.3, 0.4)
#: how far one arrow key moves a scene: 10 of the drawing's 1000 units
STEP = 0.01


def drawing_png() -> bytes:
    """The market hall's ground floor: walls, stands and an entrance, 1600 × 1000."""
    image = Image.new("RGB", (1600, 1000), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 1580, 980), outline=(40, 40, 40), width=12)
    for left in range(120, 1400, 260):
        draw.rectangle((left, 160, left + 180, 360), fill=(214, 200, 170), outline=(90, 70, 40),
                       width=4)
        draw.rectangle((left, 640, left + 180, 840), fill=(190, 214, 170), outline=(60, 90, 40),
                       width=4)
    draw.rectangle((700, 960, 900, 1000), fill=(250, 248, 240))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def wait_for_status(page: Any, text: str) -> None:
    page.wait_for_function("(text) => document.querySelector('#floor-plan-status')"
                           ".textContent.includes(text)", arg=text, timeout=15_000)
    page.wait_for_selector(IDLE, state="attached")


def stored(app: Flask, slug: str) -> Scene:
    with app.app_context():
        scene = db.session.query(Scene).filter_by(slug=slug).one()
        db.session.expunge(scene)
        return scene


def on_drawing(page: Any, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of the drawing's point at fractions (x, y)."""
    box = page.locator(".floor-plan-editor-map").bounding_box()
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


def test_an_editor_places_scenes_on_a_floor_plan_and_visitors_see_it(app, site, page, browser,
                                                                     make_user):
    make_user(email=EDITOR, role=Role.EDITOR)
    page.goto(f"{site}/login?lang=en")
    page.get_by_label("Email address").fill(EDITOR)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")

    # the overview leads to the floor plans; a new one opens its editor
    page.goto(f"{site}/edit")
    page.get_by_role("link", name="Floor plans").click()
    page.get_by_label("Venue").fill("Markthalle")
    page.get_by_label("Level").fill("0")
    page.get_by_role("button", name="Create the floor plan").click()
    page.wait_for_selector(TOOL_READY, state="attached")
    assert page.locator(".floor-plan-editor-empty").is_visible()

    page.get_by_label("Image of the floor plan").set_input_files(
        {"name": "markthalle-eg.png", "mimeType": "image/png", "buffer": drawing_png()})
    page.get_by_role("button", name="Upload the drawing").click()
    wait_for_status(page, "The drawing is saved.")
    page.wait_for_function("() => { const image = document.querySelector("
                           "'.floor-plan-editor-image'); return image && "
                           "image.getBBox().width > 0; }")

    # drag the market from the list onto the drawing
    market = stored(app, "market")
    source = page.locator(f'[data-unplaced="{market.id}"]').bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(*on_drawing(page, *DROP), steps=12)
    page.mouse.up()
    wait_for_status(page, "Market is placed on the floor plan.")
    placed = stored(app, "market")
    assert placed.floor_plan_id is not None
    assert placed.level == "0"
    assert abs(placed.floor_x - DROP[0]) < 0.01
    assert abs(placed.floor_y - DROP[1]) < 0.01

    # the hall by keyboard: select it, place it in the middle, one step right
    hall = stored(app, "hall")
    page.locator(f'[data-unplaced="{hall.id}"]').focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Place in the middle").click()
    wait_for_status(page, "Hall is placed on the floor plan.")
    page.locator(f'.floor-plan-editor-scene[data-scene="{hall.id}"]').focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(id) => document.querySelector("
                           "`.floor-plan-editor-scene[data-scene=\"${id}\"]`)"
                           ".dataset.x === '0.51'", arg=hall.id)
    wait_for_status(page, "Hall is placed on the floor plan.")
    placed_hall = stored(app, "hall")
    assert placed_hall.floor_plan_id == placed.floor_plan_id
    assert (placed_hall.floor_x, placed_hall.floor_y) == pytest.approx((0.5 + STEP, 0.5))
    assert page.locator(".floor-plan-editor-scene").count() == 2
    # the level's name for visitors
    page.get_by_label("Title (English)").fill("Ground floor")
    page.get_by_role("button", name="Save", exact=True).click()
    wait_for_status(page, "Saved.")
    screenshot(page, "floor-plan-editor")
    assert page.problems == []

    # a visitor at the market sees the hall's ground floor, the market highlighted
    with tab(browser) as visitor:
        open_walk(visitor, f"{site}/tours/old-town/market?lang=en")
        visitor.wait_for_selector('#walk-plan[data-view="floor"]', state="visible")
        plan = visitor.locator("#walk-plan")
        assert plan.get_attribute("data-floor-plan") == str(placed.floor_plan_id)
        assert visitor.locator(".walk-plan-caption").inner_text() == "Markthalle, Ground floor"
        current = visitor.locator('.walk-floor-map .walk-plan-current')
        assert current.get_attribute("data-scene") == "market"
        assert current.get_attribute("aria-current") == "location"
        assert visitor.locator(".walk-floor-map .walk-plan-scene").count() == 2
        # the drawing is loaded from the public storage (the CSP lets it in)
        visitor.wait_for_function("""() => new Promise((resolve) => {
            const probe = new Image();
            probe.onload = () => resolve(probe.naturalWidth > 0);
            probe.onerror = () => resolve(false);
            probe.src = document.querySelector('.walk-floor-image').getAttribute('href');
        })""")
        screenshot(visitor, "floor-plan-visitor")
        # the hall's dot opens the hall; the highlight follows
        visitor.locator('.walk-floor-map .walk-plan-scene[data-scene="hall"]').click()
        visitor.wait_for_selector('.walk-floor-map .walk-plan-current[data-scene="hall"]')
        visitor.wait_for_selector(READY, state="attached")
        assert visitor.problems == []
