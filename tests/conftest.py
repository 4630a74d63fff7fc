"""Fixtures shared by the whole suite.

The database is migrated once per run with the real Alembic migrations: on SQLite into a
template file copied for every test, on PostgreSQL (``pytest --postgres``) into a throwaway
cluster whose tables are emptied after every test.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from server import create_app
from server.extensions import db
from tests.support import budgets
from tests.support.accounts import bearer_headers, create_account, log_in
from tests.support.apps import (
    base_config,
    bucket_storage,
    close_app,
    database_for,
    uses_buckets,
)
from tests.support.browser import browser, page  # noqa: F401 - one Chromium for every area
from tests.support.content import create_panorama, create_scene, create_shop
from tests.support.postgres import find_pg_bin, throwaway_cluster
from tests.support.requirements import require
from tests.support.s3 import moto_s3, moto_server  # noqa: F401 - S3 fixtures for every area
from tests.support.s3rver import s3rver  # noqa: F401 - the S3 server that enforces CORS
from tours.models import Panorama, Role, Scene, Shop, User

GROUP_TIMES = budgets.GroupTimes()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres", action="store_true",
        help="run against a throwaway PostgreSQL cluster (or TEST_DATABASE_URL) instead of SQLite",
    )
    parser.addoption(
        "--s3", action="store_true",
        help="the browser and fuzzing tests keep their objects in buckets of an S3 server "
             "(s3rver) that browsers read directly, as in production",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "database_url" in fixtures:
            item.add_marker(pytest.mark.database)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # a report's keywords hold its markers' names, also when it comes from an xdist worker
    GROUP_TIMES.add(report.nodeid, report.keywords, report.duration)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config
                            ) -> None:
    lines = GROUP_TIMES.lines()
    if not lines:
        return
    terminalreporter.section("time budgets of the test groups")
    for line in lines:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    over = GROUP_TIMES.over_budget()
    if over and exitstatus == 0:
        # the summary above names them; a group over its budget fails the run
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _migrate(database_uri: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(database_uri, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """A migrated database for the run: a SQLite template file, or a PostgreSQL URL."""
    instance = tmp_path_factory.mktemp("instance")
    if not request.config.getoption("--postgres"):
        template = instance / "template.sqlite3"
        _migrate(f"sqlite:///{template}", instance)
        yield f"sqlite:///{template}"
        return
    given = os.environ.get("TEST_DATABASE_URL")
    if given and os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.exit("TEST_DATABASE_URL names one database, which parallel test processes would "
                    "empty under each other: run with -n 0 (make … TEST_WORKERS=0)", returncode=4)
    if given:
        _migrate(given, instance)
        yield given
        return
    require(find_pg_bin() is not None, "PostgreSQL",
            "install Debian's postgresql package (apt-get install postgresql)")
    with throwaway_cluster() as url:
        _migrate(url, instance)
        yield url


@pytest.fixture
def app_config(request: pytest.FixtureRequest, database_url: str, tmp_path: Path
               ) -> dict[str, Any]:
    """The test app's configuration; override in a test module to change a setting.

    With ``--s3``, browser and fuzzing tests keep their objects in a bucket of their own
    (see :func:`tests.support.apps.bucket_storage`)."""
    config = base_config(database_for(database_url, tmp_path), tmp_path)
    if uses_buckets(request):
        config.update(bucket_storage(request.getfixturevalue("s3rver")))
    return config


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """A Flaneur app on a freshly migrated, empty database and in-memory storages."""
    application = create_app(app_config)
    yield application
    close_app(application)


@pytest.fixture
def make_app(app: Flask, app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """``make_app(**config)``: further apps on the same database (other processes of one
    deployment, other settings). Their connections are closed at the end; the database is
    emptied by ``app``'s teardown."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(create_app({**app_config, **config}))
        return made[-1]

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_context(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """``make_user(email=..., role=Role.EDITOR, password=DEFAULT_PASSWORD, display_name="",
    is_active=True)``: an account in the test database (see tests/support/accounts.py)."""
    return functools.partial(create_account, app)


@pytest.fixture
def auth_headers(app: Flask, make_user: Callable[..., User]) -> Callable[..., dict[str, str]]:
    """``auth_headers(role=Role.EDITOR)``: bearer-token headers of a new account with ``role``."""
    counter = itertools.count(1)

    def make(role: Role = Role.EDITOR) -> dict[str, str]:
        user = make_user(email=f"{role.value}-{next(counter)}@example.org", role=role)
        return bearer_headers(app, user)

    return make


@pytest.fixture
def login() -> Callable[..., TestResponse]:
    """``login(client, email, password=DEFAULT_PASSWORD, next_url=None)``: sign in via /login."""
    return log_in


@pytest.fixture
def make_panorama(app: Flask) -> Callable[..., Panorama]:
    """``make_panorama(**columns)``: a ready panorama with a fake manifest, inserted directly
    (see tests/support/content.py)."""
    return functools.partial(create_panorama, app)


@pytest.fixture
def make_shop(app: Flask) -> Callable[..., Shop]:
    """``make_shop(owners=(), **fields)``: a shop made by the real service, a draft unless
    ``status`` says otherwise (see tests/support/content.py)."""
    return functools.partial(create_shop, app)


@pytest.fixture
def make_scene(app: Flask) -> Callable[..., Scene]:
    """``make_scene(panorama=None, **fields)``: a scene made by the real service, on a new
    panorama unless one is given (see tests/support/content.py)."""
    return functools.partial(create_scene, app)
