"""Cross-site scripting in a real browser: Chromium visits every page that shows the payloads.

The city of :mod:`tests.security.xss_world` (every text payload in every shop field, published
and waiting for review) is served over loopback. Before any script of a page runs, an init
script records ``securitypolicyviolation`` events and replaces ``alert``/``confirm``/
``prompt`` with recorders; Playwright's dialog handler catches any dialog that still opens.
After each page has loaded, every element receives the events inline handlers listen for
(``mouseover``, ``focus``, ``toggle``, ``error``…, dispatched on each element and by moving the
mouse across the page), then the page must have: no ``window.__xss`` in any frame, no dialog,
no policy violation, no console error and no failed request (an injected ``<img src=x>``
would fail); and the page must not be wider than the window (long payloads wrap).

Pages: the profile of each payload shop in four languages, the directory (every listing page
and a search for each payload), then, signed in through the sign-in form, the owner's list and
edit pages and the editor's moderation queue (declining a change with a payload comment, so
the flash message repeats a payload name) and the import report of a payload file. A full-page
screenshot of a payload profile and of the directory go to test-artifacts/ (``xss-*.png``) to
look at: the payloads must read as text and the layout must hold.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, Response

from tests.security.xss_world import EDITOR_EMAIL, OWNER_EMAIL, OWNER_NAME, World, build_world
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import ARTIFACTS
from tests.support.live_server import serve
from tests.support.xss import CANARY, TEXT_PAYLOADS, as_stored, record_figure
from tours.i18n import LANGUAGES

pytestmark = pytest.mark.browser

#: runs in every frame before its own scripts
WATCH_SCRIPT = """
window.cspViolations = [];
window.dialogCalls = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || "page"}:${event.lineNumber}) ${event.sample || ""}`);
}, true);
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.dialogCalls.push(`${name}(${args.join(", ")})`); };
}
"""
#: fires every event an injected inline handler could wait for, on every element
STIMULATE_SCRIPT = """
() => {
  const types = ["mouseover", "mouseenter", "mousemove", "pointerover", "pointerenter",
                 "focus", "focusin", "toggle", "load", "error", "animationstart",
                 "transitionend", "start", "begin", "beginEvent"];
  const elements = Array.from(document.querySelectorAll("*"));
  for (const element of elements) {
    for (const type of types) {
      element.dispatchEvent(new Event(type));
    }
    if (typeof element.focus === "function") {
      element.focus();
    }
  }
  return elements.length;
}
"""
#: what the page and its frames tell after the stimulation
REPORT_SCRIPT = f"""
() => ({{canary: typeof window.{CANARY} !== "undefined",
        dialogs: window.dialogCalls || [], violations: window.cspViolations || [],
        width: document.documentElement.scrollWidth, viewport: window.innerWidth}})
"""
#: the profile's JSON-LD blocks as the browser parsed them
JSON_LD_SCRIPT = """
() => Array.from(document.querySelectorAll('script[type="application/ld+json"]'),
                 (element) => JSON.parse(element.textContent).name)
"""
#: the payload whose profile is photographed (a breakout, a long one and an mXSS one)
SCREENSHOT_PAYLOADS = ("double-quoted attribute breakout", "mXSS math/style")
#: mouse moves of the sweep across the viewport (real hovering, on top of the events)
SWEEP_STEPS = 6


class Browser:
    """The browser tab and what it saw; :meth:`visit` returns the page's live findings."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.dialogs: list[str] = []
        #: pages wider than the window (a layout fault, not a live payload)
        self.layout: list[str] = []
        page.add_init_script(WATCH_SCRIPT)
        page.on("dialog", self._dialog)
        self.visits = 0

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def visit(self, path: str) -> list[str]:
        self.page.goto(self.base + path, wait_until="load")
        return self.check()

    def check(self) -> list[str]:
        """Stimulate the page as it is now and report anything that ran or was refused."""
        self.visits += 1
        page = self.page
        page.evaluate(STIMULATE_SCRIPT)
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        page.mouse.move(0, 0)
        page.mouse.move(width - 1, height - 1, steps=SWEEP_STEPS)
        page.wait_for_timeout(20)
        found: list[str] = []
        for frame in page.frames:
            report = frame.evaluate(REPORT_SCRIPT)
            if report["canary"]:
                found.append(f"window.{CANARY} is set in {frame.url}")
            found += [f"dialog call {call}" for call in report["dialogs"]]
            found += [f"policy violation {violation}" for violation in report["violations"]]
            if frame is page.main_frame and report["width"] > report["viewport"]:
                # a long payload without spaces must wrap, not widen the page
                self.layout.append(f"{page.url} is {report['width']} px wide in a "
                                   f"{report['viewport']} px window")
        found += [f"dialog {dialog}" for dialog in self.dialogs]
        found += list(page.problems)
        self.dialogs.clear()
        page.problems.clear()
        return found

    def sign_in(self, email: str) -> None:
        self.page.goto(self.base + "/login?lang=en")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state("load")

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


class Places:
    """Live findings per place and payload, for the figures and the failure message."""

    def __init__(self) -> None:
        self.found: dict[str, dict[str, list[str]]] = {}
        self.visits: dict[str, int] = {}

    def note(self, place: str, names: list[str], findings: list[str], where: str) -> None:
        self.visits[place] = self.visits.get(place, 0) + 1
        self.found.setdefault(place, {})
        for name in names if findings else ():
            self.found[place].setdefault(name, []).extend(f"{where}: {f}" for f in findings)

    def finish(self, total: int, browser: Browser) -> None:
        for place, visits in self.visits.items():
            record_figure(f"browser: {place}", self.found[place], total, visits)
        live = {place: found for place, found in self.found.items() if found}
        assert live == {}
        assert browser.layout == []


def import_file(world: World) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["slug", "category", "name_de", "short_description_de", "street", "venue"])
    for item in world.shops:
        text = item.payload.text
        writer.writerow([f"xss-import-{item.index:02d}", "bakery", text, text, text, text])
    return out.getvalue().encode()


def visit_public_pages(browser: Browser, world: World, places: Places) -> None:
    every = [item.payload.name for item in world.shops]
    for item in world.shops:
        for language in LANGUAGES:
            where = f"/shops/{item.slug}?lang={language}"
            places.note("profile pages", [item.payload.name], browser.visit(where), where)
            # one data block, whole: a "</script>" in a name did not end it early
            assert browser.page.evaluate(JSON_LD_SCRIPT) == [as_stored(item.payload.text)]
        if item.payload.name in SCREENSHOT_PAYLOADS:
            browser.visit(f"/shops/{item.slug}?lang=en")
            browser.shoot(f"xss-profile-{item.index:02d}")
    for page in (1, 2, 3):
        where = f"/shops?lang=en&page={page}"
        places.note("directory", every, browser.visit(where), where)
        if page == 1:
            browser.shoot("xss-directory")
    for item in world.shops:
        where = "/shops?" + urlencode({"q": item.payload.text, "lang": "fr"})
        places.note("directory", [item.payload.name], browser.visit(where), where)


def visit_owner_pages(browser: Browser, world: World, places: Places) -> None:
    every = [item.payload.name for item in world.shops]
    browser.sign_in(OWNER_EMAIL)
    assert browser.page.get_by_text(OWNER_NAME, exact=True).first.is_visible()
    places.note("owner's pages", every, browser.check(), "after signing in")
    for page in (1, 2):
        places.note("owner's pages", every, browser.visit(f"/my/shops?page={page}"), "list")
    for item in world.shops:
        for shop_id in (item.shop_id, item.pending_id):
            where = f"/my/shops/{shop_id}/edit?lang=en"
            places.note("owner's pages", [item.payload.name], browser.visit(where), where)
    browser.visit(f"/my/shops/{world.shops[0].shop_id}/edit?lang=en")
    browser.shoot("xss-owner-edit")
    browser.sign_out()


def visit_editor_pages(browser: Browser, world: World, places: Places) -> None:
    every = [item.payload.name for item in world.shops]
    browser.sign_in(EDITOR_EMAIL)
    pages = -(-2 * len(world.shops) // 20)
    for page in range(1, pages + 1):
        where = f"/staff/moderation?page={page}&lang=en"
        places.note("moderation queue", every, browser.visit(where), where)
    browser.shoot("xss-moderation")
    # declining repeats the shop's name in a message on the next page; the oldest request
    # is the new website of the first payload's shop
    places.note("moderation queue", every, browser.visit("/staff/moderation?lang=en"), "again")
    page = browser.page
    page.locator("form.decision-form textarea").first.fill(TEXT_PAYLOADS[0].text)
    page.locator("form.decision-form").first.get_by_role("button", name="Decline").click()
    page.wait_for_load_state("load")
    assert TEXT_PAYLOADS[0].text in page.locator(".flash-success").inner_text()
    places.note("moderation queue", every, browser.check(), "after declining")
    browser.visit("/staff/import/shops?lang=en")
    page.locator("input[name=file]").set_input_files(files=[{
        "name": "payloads.csv", "mimeType": "text/csv", "buffer": import_file(world)}])
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_load_state("load")
    assert page.locator("#import-counts").is_visible()
    places.note("import report", every, browser.check(), "/staff/import/shops")
    browser.shoot("xss-import-report")
    browser.sign_out()


def test_no_payload_runs_in_the_public_pages(app: Flask, page: Any):
    world = build_world(app, app.test_client(), editor_content=False)
    places = Places()
    with serve(app) as base:
        browser = Browser(page, base)
        visit_public_pages(browser, world, places)
    places.finish(len(world.shops), browser)


def test_no_payload_runs_in_the_owners_and_editors_pages(app: Flask, page: Any):
    world = build_world(app, app.test_client(), editor_content=False)
    places = Places()
    with serve(app) as base:
        browser = Browser(page, base)
        visit_owner_pages(browser, world, places)
        visit_editor_pages(browser, world, places)
    places.finish(len(world.shops), browser)


def test_the_check_sees_a_payload_that_runs(app: Flask, page: Any):
    """The check can fail: an unescaped payload is refused by the policy (and reported), a
    script that gets past it sets the canary and calls alert, and a wide page is noticed."""
    app.add_url_rule("/_test/xss-raw", "test_xss_raw", lambda: (
        f"<!doctype html><p>{TEXT_PAYLOADS[1].text}</p>"
        '<script src="/_test/xss.js"></script><pre>' + "x" * 400 + "</pre>"))
    app.add_url_rule("/_test/xss.js", "test_xss_script", lambda: Response(
        "window.__xss = 1; alert(1);", mimetype="text/javascript"))
    with serve(app) as base:
        browser = Browser(page, base)
        found = browser.visit("/_test/xss-raw")
    assert any(finding.startswith(f"window.{CANARY} is set") for finding in found)
    assert "dialog call alert(1)" in found
    assert any(finding.startswith("policy violation script-src-attr") for finding in found)
    assert any("404" in finding for finding in found)  # the <img src=x>
    assert len(browser.layout) == 1
