"""Installations for the backup tests: each on its own database and storages, closed after
the test (the run's PostgreSQL database is emptied again by ``close_app``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command

from server.extensions import db
from tests.backup.city import Installation, installation
from tests.support.apps import database_for


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[Callable[..., Installation]]:
    """``installations(name, **options)``: a new installation (see ``city.installation``)."""
    made: list[Installation] = []

    def make(name: str, **options: Any) -> Installation:
        made.append(installation(tmp_path, name, **options))
        return made[-1]

    yield make
    for each in reversed(made):
        each.close()


@pytest.fixture
def migrated_sqlite(tmp_path: Path, database_url: str) -> Callable[[str], str]:
    """``migrated_sqlite(name)``: the URL of a new SQLite database at the head revision (a
    copy of the run's template, or migrated here on a PostgreSQL run)."""

    def make(name: str) -> str:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        if database_url.startswith("sqlite:///"):
            return database_for(database_url, folder)
        url = f"sqlite:///{folder / 'flaneur.sqlite3'}"
        app = installation(tmp_path, name, database=url).app
        with app.app_context():
            command.upgrade(app.extensions["migrate"].migrate.get_config(), "head")
            db.engine.dispose()
        return url

    return make
