"""The site's pages and the viewer under the Content-Security-Policy, in Chromium.

Every page records the ``securitypolicyviolation`` events it sees (a listener installed before
any script of the page runs) and the console's policy messages; none may appear. The viewer
must still draw its panorama, tiles from a bucket on another origin included.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from flask import Flask, Response
from PIL import Image, ImageStat

from media_tools.tiling import tile_panorama
from server.storage import IMMUTABLE_CACHE_CONTROL, Storage
from server.storage_setup import public_storage
from tests.browser.test_pages import BUNDLE
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.panoramas import jpeg_bytes, labelled_panorama
from tests.support.requirements import require
from tests.support.s3 import MotoS3
from tests.support.viewer_pages import PAGE, add_viewer_page

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

#: runs in every document before its own scripts
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || "page"}:${event.lineNumber})`);
}, true);
"""
#: what Chromium writes to the console about a policy it enforces or cannot parse
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy",
                "Refused to")
PREFIX = "panoramas/csp/r1"

#: mounts the tiled revision under ``%(base)s`` (?mode=tiles) or its SD image (?mode=sd), and
#: shows its thumbnail in an <img>
VIEWER_SCRIPT = """
import { mountPanorama, mountTiledPanorama } from "/viewer/flaneur.js";
const base = "%(base)s";
const element = document.getElementById("pano");
try {
  if (location.search === "?mode=tiles") {
    const manifest = await (await fetch(`${base}/manifest.json`)).json();
    window.viewer = await mountTiledPanorama(element, {manifest, baseUrl: base});
  } else {
    window.viewer = await mountPanorama(element, {url: `${base}/sd.jpg`});
  }
  const thumbnail = new Image();
  thumbnail.alt = "";
  thumbnail.src = `${base}/thumb.jpg`;
  await thumbnail.decode();
  document.body.append(thumbnail);
  window.viewerReady = true;
} catch (error) {
  window.viewerError = String(error);
}
"""


@pytest.fixture
def csp_page(page: Page) -> Page:
    """The ``page`` fixture, also recording policy violations and console policy messages."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"console {m.type}: {m.text}")
            if any(word in m.text for word in POLICY_WORDS) else None)
    page.add_init_script(COLLECT_VIOLATIONS)
    page.policy_messages = messages  # type: ignore[attr-defined]
    return page


def violations(page: Page) -> list[str]:
    """This document's violation events and every console policy message so far."""
    events = page.evaluate("() => window.cspViolations")
    return [*events, *page.policy_messages]  # type: ignore[attr-defined]


def visit(page: Page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return violations(page)


def store_revision(storage: Storage) -> None:
    """A small labelled panorama, tiled under PREFIX like the worker does."""
    data = jpeg_bytes(labelled_panorama(2048), quality=90)
    tile_panorama(io.BytesIO(data), sink=lambda key, blob, kind: storage.put(
        f"{PREFIX}/{key}", blob, content_type=kind, cache_control=IMMUTABLE_CACHE_CONTROL))


def revision_url(storage: Storage) -> str:
    """Where browsers fetch the revision's files: ``/media/…`` or the bucket's own URL."""
    return storage.public_url(f"{PREFIX}/manifest.json").removesuffix("/manifest.json")


def show_viewer(page: Page, url: str) -> str | None:
    """Open a viewer page and wait until it drew or failed; its error, if any."""
    page.goto(url)
    page.wait_for_function("() => window.viewerReady || window.viewerError",
                           timeout=30_000)
    return page.evaluate("() => window.viewerError || null")


def drawn(page: Page, name: str) -> bool:
    """Whether the screenshot shows a picture: the labelled panorama has edges and colours, a
    blank or failed WebGL canvas is flat."""
    pixels = Image.open(screenshot(page, name)).convert("L")
    return ImageStat.Stat(pixels).stddev[0] > 20


def look_around(page: Page) -> None:
    """Use the viewer like a visitor: drag, zoom with the wheel and the navbar, turn."""
    box = page.locator("#pano").bounding_box()
    assert box is not None
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.mouse.down()
    page.mouse.move(centre_x - 300, centre_y + 100, steps=10)
    page.mouse.up()
    page.mouse.wheel(0, -400)
    page.locator(".psv-zoom-button").last.click()
    for yaw, pitch in ((90, 0), (180, 60), (-90, -80)):
        page.evaluate(f"() => viewer.rotate({{yaw: '{yaw}deg', pitch: '{pitch}deg'}})")
        page.wait_for_timeout(150)


def test_site_pages_run_without_violations(app: Flask, csp_page: Page,
                                           make_user: Callable[..., object]):
    page = csp_page
    user = make_user(email="editor@example.org")
    found: dict[str, list[str]] = {}
    with serve(app) as base:
        found["home"] = visit(page, base + "/?lang=en")
        found["404"] = visit(page, base + "/no-such-page")
        found["login"] = visit(page, base + "/login")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        found["home, signed in"] = violations(page)
        found["tokens"] = visit(page, base + "/account/tokens")
        page.get_by_label("Name").fill("upload script")
        page.get_by_role("button", name="Create token").click()
        page.locator("#new-token-secret").wait_for()
        found["tokens, new secret"] = violations(page)
        screenshot(page, "csp-tokens")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(base + "/")
        found["signed out"] = violations(page)
    assert {name: seen for name, seen in found.items() if seen} == {}
    # the only console error is the 404 page's own status
    assert [p for p in page.problems if "404" not in p] == []  # type: ignore[attr-defined]


def test_the_viewer_runs_without_violations(app: Flask, csp_page: Page):
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    page = csp_page
    with app.app_context():
        storage = public_storage()
        store_revision(storage)
        viewer_page = add_viewer_page(app, "csp-viewer",
                                      VIEWER_SCRIPT % {"base": revision_url(storage)})
    found: dict[str, list[str]] = {}
    with serve(app) as base:
        for mode in ("tiles", "sd"):
            assert show_viewer(page, f"{base}{viewer_page}?mode={mode}") is None
            look_around(page)
            found[mode] = violations(page)
            assert drawn(page, f"csp-viewer-{mode}")
    assert found == {"tiles": [], "sd": []}
    assert page.locator("canvas").count() == 1
    assert page.problems == []  # type: ignore[attr-defined]


def _public_bucket(moto_s3: MotoS3) -> str:
    """A bucket anyone may read, like a city's public bucket behind its CDN."""
    bucket = moto_s3.create_bucket()
    moto_s3.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))
    return bucket


def test_tiles_from_a_bucket_on_another_origin_load(
    app: Flask, make_app: Callable[..., Flask], moto_s3: MotoS3, csp_page: Page
):
    """The policy names the bucket's origin, derived from PUBLIC_STORAGE_URL; without it the
    same page is refused (the control below), so this is what lets the tiles in."""
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    page = csp_page
    bucket_app = make_app(PUBLIC_STORAGE_URL=moto_s3.storage_url(_public_bucket(moto_s3)))
    storage = public_storage(bucket_app)
    store_revision(storage)
    script = VIEWER_SCRIPT % {"base": revision_url(storage)}
    assert revision_url(storage).startswith(moto_s3.endpoint_url)
    viewer_page = add_viewer_page(bucket_app, "csp-bucket", script)
    control_page = add_viewer_page(app, "csp-bucket", script)  # policy without the bucket
    with serve(bucket_app) as base:
        assert show_viewer(page, f"{base}{viewer_page}?mode=tiles") is None
        look_around(page)
        assert violations(page) == []
        assert drawn(page, "csp-viewer-bucket")
    with serve(app) as base:
        assert show_viewer(page, f"{base}{control_page}?mode=tiles") is not None
        refused = violations(page)
    assert any(v.startswith(f"connect-src refused {moto_s3.endpoint_url}") for v in refused)


def test_the_check_sees_inline_code_refused(app: Flask, csp_page: Page):
    """The listener and the console watch work: inline code on a page is reported."""
    page = csp_page
    app.add_url_rule("/_test/inline", "test_inline", lambda: (
        '<!doctype html><p style="color: red">x</p><script>window.ran = true</script>'))
    app.add_url_rule("/_test/inline-page", "test_inline_page",
                     lambda: PAGE.format(name="inline-page"))
    app.add_url_rule("/_test/inline-page.js", "test_inline_script", lambda: Response(
        "document.body.setAttribute('style', 'margin: 0')", mimetype="text/javascript"))
    with serve(app) as base:
        seen = visit(page, base + "/_test/inline")
        assert page.evaluate("() => window.ran || false") is False
        seen_from_script = visit(page, base + "/_test/inline-page")
    assert any(v.startswith("script-src-elem refused inline") for v in seen)
    assert any(v.startswith("style-src-attr refused inline") for v in seen)
    assert any(v.startswith("style-src-attr refused inline") for v in seen_from_script)
