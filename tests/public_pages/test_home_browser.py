"""The home page of the demo downtown in Chromium: its walk with a picture, and a shop search
leading into the walk. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from flask import Flask

from server.demo_cli import load_demo_city
from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from tests.support.browser import screenshot
from tests.support.live_server import serve

pytestmark = pytest.mark.browser

#: the demo's smallest panoramas: enough for thumbnails and share images
SIZE = 1024


def load_demo(app: Flask) -> None:
    """The demo city, tiled, with its share images rendered (the jobs the loader queues)."""
    with app.app_context():
        load_demo_city(app, size=SIZE, cache=False, say=lambda message: None)
        worker = Worker.from_config(app, handler_registry(app), "test")
        for _ in range(100):  # bounded: a few jobs per scene
            db.session.expire_all()
            if not worker.run_one():
                break


def test_the_demo_home_in_a_browser(app: Flask, page):
    load_demo(app)
    with serve(app) as base:
        page.goto(f"{base}/?lang=en")
        card = page.locator(".tour-card").first
        card.locator("img.tour-card-image").wait_for()
        # the picture really loaded (not a broken image)
        assert page.evaluate(
            "() => [...document.querySelectorAll('img.tour-card-image')]"
            ".every((img) => img.complete && img.naturalWidth > 0)")
        assert page.locator(".tour-card h3").all_inner_texts() == ["Old town stroll"]
        assert page.locator('meta[property="og:image"]').count() == 1
        screenshot(page, "home-demo")

        page.fill("#home-search", "bakery")
        page.click(".home-search-form button[type=submit]")
        page.wait_for_url("**/?q=bakery*")
        results = page.locator("#shop-results .shop-card")
        assert results.count() >= 1
        walk_link = page.locator("#shop-results a.walk-link").first
        href = walk_link.get_attribute("href") or ""
        assert href.startswith("/tours/demo-altstadt-bummel/")
        assert "yaw=" in href
        screenshot(page, "home-demo-search")

        page.goto(f"{base}/?q=zeppelin&lang=de")
        assert page.locator("#shop-results .empty").is_visible()
    assert page.problems == []
