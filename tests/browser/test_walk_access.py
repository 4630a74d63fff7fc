"""The walk page for keyboards, screen readers, phones and browsers without WebGL, in Debian's
Chromium (the walk of ``tests.support.walk_world``).

Every test waits on the page's own signals or on the viewer's state, never on fixed sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import screenshot
from tests.support.walk_world import (
    ARROW_YAW,
    NO_WEBGL,
    READY,
    SHOP_PITCH,
    SHOP_YAW,
    WalkWorld,
    open_walk,
    tab,
    view_of,
)

pytestmark = pytest.mark.browser

#: a browser that offers the device's orientation (like iOS Safari: it asks for permission)
WITH_GYROSCOPE = """(() => {
    window.DeviceOrientationEvent.requestPermission = () => Promise.resolve("granted");
})();"""
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}


def frames(page: Any, count: int = 3) -> None:
    """Let the page draw ``count`` frames (an event to wait on, not a sleep)."""
    page.evaluate("""(count) => new Promise((resolve) => {
        const step = (left) => left ? requestAnimationFrame(() => step(left - 1)) : resolve();
        step(count);
    })""", count)


def yaw_moved(page: Any, start: float, degrees: float = 5) -> None:
    page.wait_for_function("""([start, degrees]) => {
        const yaw = window.flaneurViewer.getPosition().yaw * 180 / Math.PI;
        const delta = Math.abs(((yaw - start) % 360 + 540) % 360 - 180);
        return delta > degrees;
    }""", arg=[start, degrees])


def key_released(page: Any) -> None:
    """Wait until the viewer has handled the last key's release: Photo Sphere Viewer stops a
    press shorter than 200 ms only 200 ms later and ignores every key until then, so the next
    key of a fast test would be lost."""
    page.wait_for_function("() => !window.flaneurViewer.eventsHandler.keyHandler.pending")
    frames(page, 2)


def zoom_moved(page: Any, start: float, direction: int) -> None:
    page.wait_for_function("""([start, direction]) =>
        (window.flaneurViewer.getZoomLevel() - start) * direction > 3""", arg=[start, direction])


def focused(page: Any) -> str:
    """The focused element's text (or aria-label, or id)."""
    return page.evaluate("""() => {
        const element = document.activeElement;
        return element.getAttribute("aria-label") || element.textContent.trim() || element.id;
    }""")


def test_the_keyboard_turns_and_zooms_the_view_only_while_it_has_focus(page, site):
    open_walk(page, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
    start = view_of(page)
    # focus elsewhere: the arrow keys scroll the page and leave the view alone
    page.locator("#walk-text-link").focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    frames(page)
    assert page.evaluate("() => window.scrollY") > 0
    assert view_of(page) == pytest.approx(start, abs=0.01)

    # Tab from the text version's link reaches the view, which says how to use it
    page.locator("#walk-text-link").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "walk-viewer"
    hint = page.locator(".walk-keys-hint")
    hint.wait_for(state="visible")
    assert "Arrow keys" in hint.inner_text()
    assert page.locator("#walk-viewer").get_attribute("aria-describedby") == hint.get_attribute(
        "id")
    screenshot(page, "walk-keyboard-focus")
    page.keyboard.down("ArrowRight")
    yaw_moved(page, start["yaw"])
    page.keyboard.up("ArrowRight")
    key_released(page)
    for key, direction in (("+", 1), ("-", -1)):
        before = view_of(page)["zoom"]
        page.keyboard.down(key)
        zoom_moved(page, before, direction)
        page.keyboard.up(key)
        key_released(page)

    # and off again once focus leaves the view
    page.locator("#walk-text-link").focus()
    frames(page, 10)
    now = view_of(page)
    page.keyboard.press("ArrowLeft")
    frames(page)
    assert view_of(page) == pytest.approx(now, abs=0.01)
    assert page.problems == []


def test_every_arrow_and_hotspot_is_a_labelled_button(page, site, world: WalkWorld):
    open_walk(page, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
    places = page.get_by_role("region", name="Ways and places here")
    # what a screen reader hears: the photo credit, one button per arrow and per hotspot
    assert places.locator(".walk-credit").inner_text() == "Photo: Ana Ruiz (CC-BY-4.0)"
    names = [button.inner_text() for button in places.get_by_role("button").all()]
    assert names == ["Go to Hall", "Sun Bakery — shop", "Fountain — information"]

    # all of them reachable with Tab from the view
    page.locator("#walk-viewer").focus()
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        reached.append(focused(page))
        if reached[-1] == names[-1]:
            break
    assert set(names) <= set(reached), reached

    # a hotspot's button opens its card like a click on the marker; Escape brings focus back
    shop_button = places.get_by_role("button", name="Sun Bakery — shop")
    shop_button.focus()
    screenshot(page, "walk-place-button-focus")
    assert page.locator(f'.walk-hotspot[data-hotspot="{world.hotspot_id}"]').evaluate(
        "(marker) => marker.classList.contains('is-paired')")
    page.keyboard.press("Enter")
    card = page.locator("#walk-card")
    card.wait_for(state="visible")
    assert card.locator(".walk-card-title").inner_text() == "Sun Bakery"
    # and the view turned to the shop
    assert view_of(page)["yaw"] == pytest.approx(SHOP_YAW, abs=1)
    assert view_of(page)["pitch"] == pytest.approx(SHOP_PITCH, abs=1)
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")
    assert focused(page) == "Sun Bakery — shop"
    places.get_by_role("button", name="Fountain — information").press("Enter")
    card.wait_for(state="visible")
    assert card.locator(".walk-card-text").inner_text() == "Built in 1890."
    page.keyboard.press("Escape")

    # a link's button walks on like its arrow; the bar follows, focus stays in it
    places.get_by_role("button", name="Go to Hall").press("Enter")
    page.wait_for_selector('#walk-viewer[data-scene="hall"]', state="attached")
    page.get_by_role("status").filter(has_text="Now at Hall").wait_for(state="attached")
    assert page.locator("#walk-viewer").get_attribute("aria-label") == "360° view of Hall"
    assert page.locator("#walk-text-link").get_attribute("href").endswith(
        "/text/tours/old-town#scene-hall")
    closed = places.locator(".walk-place-link.is-closed")
    assert closed.inner_text() == "Go to Lane (Closed until May 3, 2099: Building works)"
    assert places.get_by_role("button").first.evaluate("(b) => b === document.activeElement")
    # the closed way's arrow is dimmed and says why
    page.evaluate("() => window.flaneurViewer.rotate({yaw: '-160deg', pitch: 0})")
    arrow = page.locator('.walk-arrow[data-scene="lane"]')
    arrow.wait_for(state="visible")
    assert "walk-arrow-closed" in (arrow.get_attribute("class") or "")
    assert arrow.get_attribute("title") == closed.inner_text()
    screenshot(page, "walk-closed-way")
    assert page.problems == []


def test_without_webgl_the_page_offers_the_text_version(browser, site):
    with tab(browser, init_script=NO_WEBGL) as page:
        page.goto(f"{site}/tours/old-town?lang=en")
        page.wait_for_selector('#walk-viewer[data-webgl="missing"]', state="attached")
        message = page.locator(".walk-fallback")
        assert "cannot show the 360° view" in message.inner_text()
        assert page.locator("#walk-viewer canvas").count() == 0
        screenshot(page, "walk-no-webgl")
        message.get_by_role("link").click()
        page.wait_for_url("**/text/tours/old-town#scene-market")
        assert page.locator("#scene-market-title").inner_text() == "Stop 1: Market"
        assert page.get_by_text("Sun Bakery").first.is_visible()
        assert page.problems == []


def test_the_gyroscope_button_shows_only_where_the_browser_offers_it(browser, page, site):
    open_walk(page, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
    # a desktop browser without orientation sensors: no button
    assert page.evaluate("() => window.flaneurViewer.getPlugin('gyroscope').isSupported()") \
        is False
    assert page.locator(".psv-gyroscope-button").is_hidden()

    with tab(browser, init_script=WITH_GYROSCOPE, has_touch=True) as phone:
        open_walk(phone, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
        button = phone.locator(".psv-gyroscope-button")
        button.wait_for(state="visible")
        assert button.get_attribute("aria-label") == "Look around by moving your device"
        start = view_of(phone)["yaw"]
        button.click()
        phone.wait_for_function(
            "() => window.flaneurViewer.getPlugin('gyroscope').isEnabled()")
        # turning the device turns the view
        for alpha in (0, 0, 60, 60):
            phone.evaluate("""(alpha) => window.dispatchEvent(new DeviceOrientationEvent(
                "deviceorientation", {alpha, beta: 90, gamma: 0}))""", alpha)
            frames(phone, 2)
        yaw_moved(phone, start, 20)
        assert phone.problems == []
    assert page.problems == []


def drag(cdp: Any, points: list[list[tuple[float, float]]]) -> None:
    """Touches the screen along ``points`` (one list of fingers per step)."""
    def fingers(step: list[tuple[float, float]]) -> list[dict[str, float]]:
        return [{"x": x, "y": y, "id": index} for index, (x, y) in enumerate(step)]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": fingers(points[0])})
    for step in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": fingers(step)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_phone_drags_pinches_and_fits_the_page_at_360_px(browser, site):
    with tab(browser, **PHONE) as phone:
        open_walk(phone, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=40&lang=en")
        fits = """() => document.documentElement.scrollWidth <= window.innerWidth"""
        assert phone.evaluate(fits)
        screenshot(phone, "walk-phone")
        box = phone.locator("#walk-viewer").bounding_box()
        middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        cdp = phone.context.new_cdp_session(phone)

        # one finger turns the view
        start = view_of(phone)
        drag(cdp, [[(middle_x + 100 - step * 20, middle_y)] for step in range(11)])
        yaw_moved(phone, start["yaw"])
        # two fingers moving apart zoom in
        zoom = view_of(phone)["zoom"]
        drag(cdp, [[(middle_x - 20 - step * 10, middle_y), (middle_x + 20 + step * 10, middle_y)]
                   for step in range(11)])
        zoom_moved(phone, zoom, 1)

        # the card, the credit and the stop navigation fit the screen
        phone.get_by_role("button", name="Sun Bakery — shop").tap()
        card = phone.locator("#walk-card")
        card.wait_for(state="visible")
        screenshot(phone, "walk-phone-card")
        for selector in ("#walk-card", ".walk-credit", "#walk-tour-nav", "#walk-places"):
            found = phone.locator(selector).bounding_box()
            assert found["x"] >= 0, selector
            assert found["x"] + found["width"] <= 360, selector
        # the card is on the screen, wherever the page was scrolled to
        found = phone.locator("#walk-card").bounding_box()
        assert found["y"] >= 0
        assert found["y"] + found["height"] <= 740
        assert phone.evaluate(fits)
        phone.get_by_role("button", name="Close").tap()
        card.wait_for(state="hidden")
        phone.locator("#walk-tour-nav").scroll_into_view_if_needed()
        screenshot(phone, "walk-phone-tour-nav")
        phone.get_by_role("button", name="Next stop").tap()
        phone.wait_for_selector('#walk-viewer[data-scene="hall"]', state="attached")
        assert phone.evaluate(fits)
        assert phone.problems == []


def test_the_language_switch_keeps_the_scene_and_the_view(page, site):
    open_walk(page, f"{site}/tours/old-town/market?yaw=0&pitch=0&zoom=50&lang=en")
    page.evaluate(f"() => window.flaneurViewer.rotate({{yaw: '{ARROW_YAW - 20}deg', "
                  "pitch: '-8deg'})")
    page.evaluate("() => window.flaneurViewer.zoom(35)")
    page.wait_for_url("**/market?yaw=70*zoom=35*")
    deutsch = page.get_by_role("link", name="Deutsch")
    page.wait_for_function("""(link) => link.href.includes("yaw=70")""",
                           arg=deutsch.element_handle())
    assert page.locator(".walk-stop-counter").inner_text() == "Stop 1 of 2"
    deutsch.click()
    page.wait_for_url("**/tours/old-town/market?*lang=de*")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    assert view_of(page) == pytest.approx({"yaw": 70, "pitch": -8, "zoom": 35}, abs=1)
    # the page's texts and the walk's own are German now
    assert page.locator(".walk-stop-counter").inner_text() == "Station 1 von 2"
    assert page.locator("h1").inner_text() == "Altstadt"
    page.get_by_role("button", name="Brunnen — ", exact=False).wait_for()
    assert page.problems == []


def test_the_text_version_works_with_the_keyboard_alone(page, site):
    page.goto(f"{site}/text/tours/old-town?lang=en")
    # Tab through the page to the market's way on to the hall, and follow it
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('href')") == "#scene-hall":
            break
    else:
        pytest.fail("no way to the hall reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**#scene-hall")
    # the next Tab starts in the hall's section: its link into the 360° view
    page.keyboard.press("Tab")
    assert focused(page) == "Open in the 360° view"
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == (
        "/tours/old-town/hall")
    page.keyboard.press("Enter")
    page.wait_for_selector('#walk-viewer[data-scene="hall"][data-ready="true"]',
                           state="attached", timeout=30_000)
    assert page.problems == []
