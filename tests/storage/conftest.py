"""Storages for the contract tests: one of each backend, built from its URL like the app does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server import create_app
from server.extensions import db
from server.storage import Storage, storage_from_url
from tests.support.s3 import MotoS3

#: the limits the app runs with by default (server/config.py)
LIMITS = {"connect_timeout": 3.0, "read_timeout": 15.0, "max_attempts": 3}
BACKENDS = ("memory", "local", "s3")


def make_storage(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """A fresh, empty storage of ``backend``."""
    if backend == "memory":
        url = "memory://contract"
    elif backend == "local":
        url = (tmp_path / "storage").as_uri()
    else:
        s3: MotoS3 = request.getfixturevalue("moto_s3")
        # a prefix, so the tests also show that keys never leak out of it
        url = s3.storage_url(s3.create_bucket(), prefix="flaneur/public")
    return storage_from_url(url, local_public_url="/media", **LIMITS)


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """An empty storage; every test using it runs once per backend."""
    return make_storage(request.param, request, tmp_path)


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """``make_app(PUBLIC_STORAGE_URL=…)``: an app on the test configuration with overrides.

    Its database connections are closed afterwards, as the ``app`` fixture does for its app.
    """
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        application = create_app({**app_config, **overrides})
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
