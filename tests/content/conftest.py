"""Fixtures of the content tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from server.extensions import db


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's database session, inside an app context, for calling services directly."""
    with app.app_context():
        yield db.session
