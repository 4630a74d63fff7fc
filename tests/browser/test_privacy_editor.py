"""An editor blurs a face the detector suggested, in Chromium: the privacy page of a panorama
holding a real face (a public-domain photograph) shows the suggestion, the editor accepts it,
draws and removes a region of their own, applies the blur, and the page follows the tiling job
(the in-app worker) to the new revision, whose face area is blurred. Screenshots land in
test-artifacts/."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import cv2
import numpy as np
import pytest
from flask import Flask
from PIL import Image

from media_tools import TilingOptions, tile_panorama
from server.extensions import db
from server.jobs import in_app_workers
from server.storage import IMMUTABLE_CACHE_CONTROL
from server.storage_setup import originals_storage, public_storage
from tests.support.accessibility import axe_violations, describe
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import screenshot
from tests.support.faces import face_panorama
from tests.support.in_app_worker import app_config  # noqa: F401 - fixtures
from tests.support.live_server import serve
from tests.support.panoramas import jpeg_bytes
from tests.support.requirements import require
from tests.support.walk_world import BUNDLE, tab, watch_responses
from tours.ingest import originals_key, revision_prefix
from tours.models import Panorama, Role

pytestmark = pytest.mark.browser

EDITOR = "redaktion@example.org"
WIDTH = 2048
TOOL = '[data-editor="privacy"]'



def face_panorama_in_storage(app: Flask, make_panorama: Any) -> tuple[Panorama, np.ndarray,
                                                                      tuple[int, ...]]:
    """A tiled panorama with a face straight ahead: its original in the originals storage,
    its first revision in the public storage."""
    image, box = face_panorama(WIDTH, x=0.45, y=0.5, size=0.05)
    original = jpeg_bytes(image, quality=92)
    sha256 = hashlib.sha256(original).hexdigest()
    objects: dict[str, tuple[bytes, str]] = {}
    result = tile_panorama(io.BytesIO(original), options=TilingOptions(workers=1),
                           sink=lambda key, data, kind: objects.__setitem__(key, (data, kind)))
    panorama = make_panorama(sha256=sha256, byte_size=len(original), width=WIDTH,
                             height=WIDTH // 2, original_key=originals_key(sha256, "jpeg"),
                             original_filename="square.jpg", manifest=result.manifest)
    with app.app_context():
        originals_storage().put(panorama.original_key, original, content_type="image/jpeg")
        prefix = revision_prefix(panorama, str(panorama.current_revision))
        for key, (data, kind) in objects.items():
            public_storage().put(f"{prefix}/{key}", data, content_type=kind,
                                 cache_control=IMMUTABLE_CACHE_CONTROL)
    return panorama, image, box


def sd_picture(app: Flask, panorama_id: str, revision: str) -> np.ndarray:
    with app.app_context():
        data = public_storage().get(f"panoramas/{panorama_id}/{revision}/sd.jpg")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def detail(pixels: np.ndarray) -> float:
    """Variance of the Laplacian: the detail left in a picture."""
    grey = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email address").fill(EDITOR)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_an_editor_blurs_the_suggested_face(app: Flask, make_user, make_panorama, browser,
                                            page):
    require(BUNDLE.exists(), "the viewer bundle", "run `make viewer`")
    make_user(email=EDITOR, role=Role.EDITOR)
    panorama, _image, (left, top, w, h) = face_panorama_in_storage(app, make_panorama)
    first_revision = str(panorama.current_revision)
    watch_responses(page)
    workers = in_app_workers(app)
    assert workers is not None
    try:
        with serve(app) as base:
            sign_in(page, base)
            page.goto(f"{base}/edit/panoramas/{panorama.public_id}/privacy?lang=en")
            page.wait_for_selector(f'{TOOL}[data-ready="true"]')
            page.wait_for_selector(f'{TOOL}[data-suggestions="loaded"]', timeout=60_000)
            suggestions = page.locator("#privacy-suggestions li")
            assert suggestions.count() >= 1
            assert suggestions.first.inner_text().startswith("Suggested: Face")
            assert page.locator("#privacy-overlay rect.privacy-suggestion").count() >= 1
            screenshot(page, "privacy-editor-suggestion")

            # the suggestion holding the face is accepted
            face_index = page.evaluate(
                """([x, y]) => {
                    const items = [...document.querySelectorAll('#privacy-suggestions li')];
                    const rects = [...document.querySelectorAll('rect.privacy-suggestion')];
                    const hit = rects.find((rect) => {
                      const [rx, ry, rw, rh] = ['x', 'y', 'width', 'height'].map(
                        (name) => Number(rect.getAttribute(name)));
                      return rx <= x && x <= rx + rw && ry <= y && y <= ry + rh;
                    });
                    return hit ? Number(hit.dataset.suggestion) : -1;
                }""", [(left + w / 2) / WIDTH * 1000, (top + h / 2) / (WIDTH / 2) * 500])
            assert face_index >= 0
            suggestions.nth(face_index).get_by_role("button", name="Accept").click()
            assert page.locator("#privacy-regions li[data-region]").count() == 1
            assert page.locator("#privacy-overlay rect.privacy-region").count() == 1

            # a region drawn by dragging, then selected and removed again
            box = page.locator("#privacy-overlay").bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.6)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.65,
                            steps=4)
            page.mouse.up()
            assert page.locator("#privacy-regions li[data-region]").count() == 2
            drawn = page.locator('#privacy-regions li[data-region="1"]')
            assert drawn.inner_text().startswith("Other: left 10%, top 60%")
            screenshot(page, "privacy-editor-drawn")
            drawn.get_by_role("button", name="Remove").click()
            assert page.locator("#privacy-regions li[data-region]").count() == 1

            # the keyboard way: a region typed in percent, selected, and deleted with Delete
            page.get_by_label("Kind").select_option("plate")
            page.get_by_label("Left, percent").fill("20")
            page.get_by_label("Top, percent").fill("70")
            page.get_by_label("Width, percent").fill("0")
            page.get_by_label("Height, percent").fill("2")
            page.get_by_role("button", name="Add region").click()
            assert page.locator("#privacy-status").get_attribute("data-kind") == "error"
            page.get_by_label("Width, percent").fill("4")
            page.get_by_role("button", name="Add region").click()
            typed = page.locator('#privacy-regions li[data-region="1"]')
            assert typed.inner_text().startswith("Licence plate: left 20%, top 70%, 4% wide")
            page.locator('#privacy-overlay rect.privacy-region.selected').wait_for()
            page.get_by_role("button", name="Apply blur").focus()
            page.keyboard.press("Delete")
            assert page.locator("#privacy-regions li[data-region]").count() == 1

            page.get_by_role("button", name="Apply blur").click()
            page.wait_for_selector(f'{TOOL}[data-applied="true"]', timeout=120_000)
            assert page.locator("#privacy-status").inner_text() == \
                "Done: the blurred panorama is online."
            result = page.get_by_role("link", name="Look at the result")
            assert result.is_visible()
            new_revision = page.locator(TOOL).get_attribute("data-revision")
            assert new_revision
            assert new_revision != first_revision
            assert new_revision in (result.get_attribute("href") or "")
            page.wait_for_function(
                "() => document.querySelector('#privacy-picture').complete")
            screenshot(page, "privacy-editor-applied")

            # axe-core needs a tab that admits its injected script (the site's CSP does not)
            with tab(browser, bypass_csp=True) as audited:
                sign_in(audited, base)
                audited.goto(f"{base}/edit/panoramas/{panorama.public_id}/privacy?lang=en")
                audited.wait_for_selector(f'{TOOL}[data-suggestions]:not('
                                          f'[data-suggestions="loading"])', timeout=60_000)
                violations = axe_violations(audited)
                assert violations == [], describe(violations)
                assert audited.problems == []
    finally:
        workers.stop(grace_seconds=10)
    assert page.problems == []

    with app.app_context():
        stored = db.session.get(Panorama, panorama.id)
        assert stored is not None
        assert stored.current_revision == new_revision
        assert [region["kind"] for region in stored.blur_regions] == ["face"]
    # the face in the SD copy (same size as the panorama here): detail gone, the rest kept
    face = (slice(top + h // 5, top + h - h // 5), slice(left + w // 5, left + w - w // 5))
    before = sd_picture(app, panorama.public_id, first_revision)
    after = sd_picture(app, panorama.public_id, new_revision)
    assert detail(after[face]) < 0.1 * detail(before[face])
    away = (slice(0, 300), slice(1300, 2048))
    assert np.abs(after[away].astype(int) - before[away].astype(int)).mean() < 1
