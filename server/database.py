"""Database wiring: Flask-SQLAlchemy sessions over the ``tours`` models, Alembic migrations."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets the in-app worker thread write while
    # requests read; busy_timeout turns lock contention into a short wait instead of an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _remove_session_safely(_exc: BaseException | None) -> None:
    """End the request's session; if its connection is gone (the database restarted), drop
    it: the pool's pre-ping gives the next request a fresh one."""
    try:
        db.session.remove()
    except SQLAlchemyError:
        current_app.logger.warning("the database connection was lost at the end of a request")
        with contextlib.suppress(Exception):
            db.session.registry.clear()


def init_app(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"connect_timeout": 5})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    # registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in
    # reverse order): a connection that died under the session must not turn the answer
    # already made (a 503 during a restart) into a 500
    app.teardown_appcontext(_remove_session_safely)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    if uri.startswith("sqlite"):
        with app.app_context():
            engine: Engine = db.engine
            event.listen(engine, "connect", _sqlite_pragmas)
