"""What to do when a test needs a part the machine lacks (Chromium, PostgreSQL, …).

Under CI (``CI=true``) a missing part fails the test: a green run must mean everything ran.
Elsewhere the test is skipped with the reason, which ``pytest -rs`` prints.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str, how: str) -> None:
    """Fail (CI) or skip (elsewhere) unless ``condition``; ``how`` says how to get ``what``."""
    if condition:
        return
    message = f"{what} is not available: {how}"
    if in_ci():
        pytest.fail(message + " (CI=true: a missing part is a failure)", pytrace=False)
    pytest.skip(message)
