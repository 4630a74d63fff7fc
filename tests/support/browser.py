"""Debian's Chromium driven by Playwright (never a downloaded browser build)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.requirements import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: flags for a headless, offline machine; WebGL runs in software (SwiftShader)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-unsafe-swiftshader",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: how Chromium reports a load the page itself gave up on (a navigation away while images or
#: tiles were still coming): no server or page fault, so not a problem to report
ABORTED_BY_THE_PAGE = "net::ERR_ABORTED"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), "Chromium",
            "install Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page whose console errors and failed requests are collected on ``page.problems``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.problems = watch_problems(tab)  # type: ignore[attr-defined]
    yield tab
    context.close()


def watch_problems(tab: Any) -> list[str]:
    """The list a page's console errors, page errors and failed requests are collected in
    (loads the page itself gave up on, by navigating away, are no problem)."""
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})")
           if r.failure != ABORTED_BY_THE_PAGE else None)
    return problems


def screenshot(page: object, name: str) -> Path:
    """Save a screenshot under test-artifacts/ (kept for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
