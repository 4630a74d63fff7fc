"""An editor uploads panoramas in bulk in Chromium (``/edit/upload``): three files at once (two
new ones, one with GPS and heading and one without, and a copy of the first), each row goes
through its upload and tiling (the in-app job worker runs) to "Ready" or "Already uploaded",
and the scenes exist with the files' position and north; a file that is no image shows its
reason and a "Try again" button. Screenshots land in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.support.accessibility import axe_violations, describe
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.browser import ARTIFACTS, screenshot
from tests.support.in_app_worker import app_config, workers  # noqa: F401 - fixtures
from tests.support.live_server import serve
from tests.support.requirements import require
from tests.support.upload_files import panorama_file
from tests.support.upload_files import write_file as write
from tests.support.walk_world import tab
from tours.models import Panorama, PanoramaStatus, Role, Scene

# the in-app worker runs in every test here, and is stopped after it
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("workers")]

EDITOR = "redaktion@example.org"
EDITOR_BUNDLE = ARTIFACTS.parent / "static" / "viewer" / "dist" / "editor.js"
MARKET = (49.00937, 8.40390)
#: the market photo's centre faces east, so north lies a quarter turn to the left
HEADING = 90.0
#: every row reached an outcome (nothing waiting, sending or tiling)
SETTLED = """(count) => {
    const rows = [...document.querySelectorAll(".upload-row")];
    return rows.length === count && rows.every(
        (row) => ["ready", "duplicate", "failed"].includes(row.dataset.state));
}"""





#: records every state each row passes through, in ``window.uploadStates``
RECORD_STATES = """() => {
    window.uploadStates = {};
    new MutationObserver((changes) => {
        for (const change of changes) {
            const row = change.target;
            const name = row.querySelector(".upload-name").textContent;
            const seen = (window.uploadStates[name] ||= []);
            if (seen[seen.length - 1] !== row.dataset.state) seen.push(row.dataset.state);
        }
    }).observe(document.querySelector("#upload-list"),
               {subtree: true, attributes: true, attributeFilter: ["data-state"]});
}"""


def states(page: Any) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        ".upload-row")].map((row) => [row.querySelector(".upload-name").textContent,
                                      row.dataset.state]))""")


def test_an_editor_uploads_panoramas_in_bulk(app: Flask, make_user, page, tmp_path):
    require(EDITOR_BUNDLE.exists(), "the editors' bundle", "run `make viewer`")
    make_user(email=EDITOR, role=Role.EDITOR)
    market_bytes = panorama_file(11, position=MARKET, heading=HEADING)
    market = write(tmp_path, "Marktplatz.jpg", market_bytes)
    yard = write(tmp_path, "Innenhof.jpg", panorama_file(12))
    copy = write(tmp_path, "Marktplatz-Kopie.jpg", market_bytes)
    broken = write(tmp_path, "Brunnen.jpg", b"this is a text file, not a photo")

    with serve(app) as base:
        page.goto(f"{base}/login?lang=en")
        page.get_by_label("Email address").fill(EDITOR)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/edit/upload")
        page.wait_for_selector('[data-editor="upload"][data-ready="true"]')
        rules = page.locator(".upload-rules").inner_text()
        for limit in ("JPEG, PNG, WebP", "60 MB", "1024 pixels", "16384 × 8192"):
            assert limit in rules

        page.evaluate(RECORD_STATES)
        page.get_by_label("Choose panorama files").set_input_files([market, yard, copy])
        page.wait_for_function(SETTLED, arg=3, timeout=120_000)
        seen = states(page)
        passed = page.evaluate("() => window.uploadStates")
        for name, state in seen.items():
            steps = passed[name]
            # each row was sent (with its progress) and ended in its outcome; a new panorama
            # waited for tiling (and may have been caught tiling) before it was ready
            assert "uploading" in steps, (name, steps)
            assert steps[-1] == state, (name, steps)
            if state == "ready":
                assert steps.index("uploading") < steps.index("queued") < len(steps) - 1
        # the first of the two identical files to arrive makes the panorama; the other one
        # (sent at the same time or later) finds it
        assert sorted([seen["Marktplatz.jpg"], seen["Marktplatz-Kopie.jpg"]]) == [
            "duplicate", "ready"]
        assert seen["Innenhof.jpg"] == "ready"
        rows = {name: page.locator(".upload-row", has_text=name)
                for name in ("Marktplatz.jpg", "Innenhof.jpg", "Marktplatz-Kopie.jpg")}
        first = "Marktplatz.jpg" if seen["Marktplatz.jpg"] == "ready" else "Marktplatz-Kopie.jpg"
        second = "Marktplatz-Kopie.jpg" if first == "Marktplatz.jpg" else "Marktplatz.jpg"
        square_slug = first.removesuffix(".jpg").lower()
        assert rows[second].locator(".upload-status").inner_text() == "Already uploaded"
        market_link = rows[first].get_by_role("link")
        assert market_link.inner_text() == f"Scene: {first.removesuffix('.jpg')}"
        assert rows[second].get_by_role("link").get_attribute(
            "href") == market_link.get_attribute("href")
        assert "GPS" in rows[second].locator(".upload-details").inner_text()
        assert rows["Innenhof.jpg"].locator(".upload-status").inner_text() == "Ready"
        assert page.locator("#upload-summary").inner_text() == "Done: 3 of 3. Failed: 0."
        screenshot(page, "upload-editor-done")

        page.get_by_label("Choose panorama files").set_input_files([broken])
        page.wait_for_function(SETTLED, arg=4, timeout=30_000)
        failed = page.locator(".upload-row", has_text="Brunnen.jpg")
        assert failed.get_attribute("data-state") == "failed"
        assert "This file type is not accepted" in failed.locator(".upload-status").inner_text()
        retry = failed.get_by_role("button", name="Try again")
        assert retry.is_visible()
        assert retry.get_attribute("aria-describedby") == failed.locator(
            ".upload-name").get_attribute("id")
        failed.scroll_into_view_if_needed()
        screenshot(page, "upload-editor-failed")
        retry.click()
        page.wait_for_function(SETTLED, arg=4, timeout=30_000)
        assert failed.get_attribute("data-state") == "failed"
        assert failed.get_by_role("button", name="Try again").is_visible()
        market_href = market_link.get_attribute("href")

    with app.app_context():
        panoramas = db.session.scalars(select(Panorama)).all()
        assert [panorama.status for panorama in panoramas] == [PanoramaStatus.READY] * 2
        scenes = {scene.slug: scene for scene in db.session.scalars(select(Scene))}
        assert sorted(scenes) == ["innenhof", square_slug]
        square = scenes[square_slug]
        assert market_href == f"/edit/scenes/{square.id}"
        assert (square.latitude, square.longitude) == pytest.approx(MARKET, abs=1e-5)
        assert square.north_offset == pytest.approx(-HEADING)
        assert square.title == {"en": first.removesuffix(".jpg")}
        assert square.panorama.captured_at is not None
        courtyard = scenes["innenhof"]
        assert (courtyard.latitude, courtyard.longitude, courtyard.north_offset) == (
            None, None, 0.0)
    # the refused file's answer (415) is the only error the browser reports
    assert [problem for problem in page.problems if "415" not in problem] == []


def test_a_failed_tiling_is_tried_again_from_its_row(app: Flask, make_user, browser, tmp_path,
                                                     monkeypatch):
    require(EDITOR_BUNDLE.exists(), "the editors' bundle", "run `make viewer`")
    from server import panorama_jobs

    app.config["JOB_MAX_ATTEMPTS"] = 1  # the first failure is final: the row offers a retry
    real_tiling = panorama_jobs.tile_panorama
    calls: list[int] = []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the disk is full")
        return real_tiling(*args, **kwargs)

    monkeypatch.setattr(panorama_jobs, "tile_panorama", fails_once)
    make_user(email=EDITOR, role=Role.EDITOR)
    lane = write(tmp_path, "Gasse.jpg", panorama_file(13))

    # axe-core is injected as a script, which the page's CSP would refuse
    with serve(app) as base, tab(browser, bypass_csp=True) as page:
        page.goto(f"{base}/login?lang=en")
        page.get_by_label("Email address").fill(EDITOR)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/edit/upload")
        page.wait_for_selector('[data-editor="upload"][data-ready="true"]')
        page.get_by_label("Choose panorama files").set_input_files([lane])
        page.wait_for_function(SETTLED, arg=1, timeout=60_000)
        row = page.locator(".upload-row", has_text="Gasse.jpg")
        assert row.get_attribute("data-state") == "failed"
        assert row.locator(".upload-status").inner_text() == (
            "Failed: The panorama could not be tiled.")
        assert row.get_by_role("link").inner_text() == "Scene: Gasse"
        screenshot(page, "upload-editor-tiling-failed")
        violations = axe_violations(page)
        assert violations == [], describe(violations)

        row.get_by_role("button", name="Try again").click()
        page.wait_for_function(
            "() => document.querySelector('.upload-row').dataset.state === 'ready'",
            timeout=60_000)
        assert row.locator(".upload-status").inner_text() == "Ready"
        assert row.get_by_role("button").is_hidden()
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        problems = list(page.problems)

    assert len(calls) == 2
    with app.app_context():
        panorama = db.session.scalars(select(Panorama)).one()
        assert (panorama.status, panorama.error_code) == (PanoramaStatus.READY, "")
        assert len(db.session.scalars(select(Scene)).all()) == 1
    assert problems == []
