"""axe-core finds no serious or critical accessibility problem on the public pages
(the list is ``tests.support.accessibility.PUBLIC_PAGES``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.support.accessibility import (
    AXE_SCRIPT,
    PUBLIC_PAGES,
    AuditedPage,
    axe_violations,
    describe,
)
from tests.support.browser import screenshot
from tests.support.live_server import serve
from tests.support.requirements import require
from tests.support.walk_world import NO_WEBGL, WalkWorld, tab

pytestmark = pytest.mark.browser


@pytest.fixture
def audited_site(app: Flask, world: WalkWorld) -> Iterator[str]:
    require(AXE_SCRIPT.exists(), "axe-core", "run `make viewer` (npm ci in static/viewer)")
    with serve(app) as base:
        yield base


@pytest.mark.parametrize("audited", PUBLIC_PAGES, ids=[page.name for page in PUBLIC_PAGES])
def test_no_serious_accessibility_problem(browser: Any, audited_site: str,
                                          audited: AuditedPage):
    with tab(browser, bypass_csp=True) as page:
        page.goto(audited_site + audited.path)
        if audited.ready:
            page.wait_for_selector(audited.ready, state="attached", timeout=30_000)
        violations = axe_violations(page)
        screenshot(page, "a11y-" + audited.name.replace(" ", "-"))
        assert violations == [], describe(violations)
        assert page.problems == []


def test_the_walk_with_a_card_open_and_without_webgl(browser: Any, audited_site: str):
    """States of the walk page the list above does not reach: a hotspot's card open, and the
    message shown instead of the viewer."""
    with tab(browser, bypass_csp=True) as page:
        page.goto(audited_site + "/tours/old-town/market?lang=en")
        page.wait_for_selector('#walk-viewer[data-ready="true"]', state="attached")
        page.get_by_role("button", name="Sun Bakery — shop").click()
        page.locator("#walk-card").wait_for(state="visible")
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        assert page.problems == []
    with tab(browser, bypass_csp=True, init_script=NO_WEBGL) as page:
        page.goto(audited_site + "/tours/old-town/market?lang=en")
        page.wait_for_selector('#walk-viewer[data-webgl="missing"]', state="attached")
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        assert page.problems == []


def test_the_audit_finds_what_it_should(browser: Any):
    """A button without a name and grey-on-grey text: the audit must object."""
    require(AXE_SCRIPT.exists(), "axe-core", "run `make viewer` (npm ci in static/viewer)")
    with tab(browser, bypass_csp=True) as page:
        page.set_content("<!doctype html><html lang='en'><title>Bad</title><main>"
                         "<button></button><p style='color:#aaa;background:#bbb'>faint</p>"
                         "</main></html>")
        found = {rule["id"] for rule in axe_violations(page)}
    assert {"button-name", "color-contrast"} <= found
