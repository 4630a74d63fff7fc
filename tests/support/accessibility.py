"""An automated accessibility audit with axe-core, and the public pages it covers.

axe-core is pinned as a dev dependency of the viewer (``static/viewer/package.json``, installed
by ``make viewer``); the audit injects its ``axe.min.js`` into a page and fails on every
violation of impact serious or critical. The site's CSP admits no injected script, so audited
pages are opened in a context that bypasses it (``tab(browser, bypass_csp=True)``).

To audit another page, add it to :data:`PUBLIC_PAGES` (``tests/browser/test_accessibility.py``
opens each with the walk of ``tests.support.walk_world`` in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

AXE_SCRIPT = (Path(__file__).resolve().parents[2] / "static" / "viewer" / "node_modules"
              / "axe-core" / "axe.min.js")
#: the impacts that fail the audit (axe's scale: minor, moderate, serious, critical)
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class AuditedPage:
    """A page to audit: its path (with ``?lang=``), and a selector to wait for before the
    audit (the walk page's viewer, for one)."""

    name: str
    path: str
    ready: str | None = None


#: every public page the audit covers, in the walk of ``tests.support.walk_world``
PUBLIC_PAGES = (
    AuditedPage("home", "/?lang=en"),
    AuditedPage("walk", "/tours/old-town/market?lang=en",
                ready='#walk-viewer[data-ready="true"] .psv-navbar'),
    AuditedPage("walk in German", "/tours/old-town/hall?lang=de",
                ready='#walk-viewer[data-ready="true"] .psv-navbar'),
    AuditedPage("text version of a tour", "/text/tours/old-town?lang=en"),
    AuditedPage("report an image without scripts",
                "/report/market?tour=old-town&yaw=10&pitch=0&zoom=50&lang=en"),
    AuditedPage("shop directory", "/shops?lang=en"),
    AuditedPage("shop profile", "/shops/sun-bakery?lang=en"),
    AuditedPage("sign-in", "/login?lang=en"),
    AuditedPage("home with a shop search", "/?q=bakery&lang=en"),
    AuditedPage("embedded walk", "/embed/tours/old-town?lang=en",
                ready='#walk-viewer[data-ready="true"] .psv-navbar'),
    AuditedPage("imprint", "/imprint?lang=en"),
    AuditedPage("privacy statement", "/privacy?lang=de"),
    AuditedPage("accessibility statement", "/accessibility?lang=fr"),
)


def axe_violations(page: Any, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict[str, Any]]:
    """Run axe-core on ``page`` as it is now; the violations of ``impacts``, each with its
    rule id, help text and the selectors and messages of the offending nodes."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate("""async (impacts) => {
        const results = await window.axe.run(document, {resultTypes: ["violations"]});
        return results.violations.filter((rule) => impacts.includes(rule.impact))
            .map((rule) => ({
                id: rule.id, impact: rule.impact, help: rule.help,
                nodes: rule.nodes.map((node) => ({
                    target: node.target.join(" "), summary: node.failureSummary})),
            }));
    }""", list(impacts))


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations as readable lines, for an assertion message."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['impact']} {rule['id']}: {rule['help']}")
        lines.extend(f"    {node['target']}: {node['summary']}" for node in rule["nodes"])
    return "\n".join(lines)
