"""Fixtures for browser tests that need jobs done while the page follows them: import
``app_config`` and ``workers`` into the test module (they override the root conftest's)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from server.jobs import in_app_workers


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The app with one in-app worker polling often, so tiling finishes during the test."""
    return {**app_config, "JOB_WORKERS": 1, "JOB_POLL_SECONDS": 0.05}


@pytest.fixture
def workers(app: Flask) -> Iterator[None]:
    """Stops the in-app worker after the test, so it does not outlive its database."""
    yield
    running = in_app_workers(app)
    if running is not None:
        running.stop(grace_seconds=5)
