"""Reports of the security tests."""

from __future__ import annotations

import pytest

from tests.support.xss import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List how many XSS payloads survived in each place (every figure must be 0)."""
    if not FIGURES:
        return
    terminalreporter.section("XSS payloads surviving per place")
    for figure in FIGURES:
        terminalreporter.write_line(figure.line())
