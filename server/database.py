"""Database wiring: Flask-SQLAlchemy sessions over the ``tours`` models, Alembic migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

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


def init_app(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"connect_timeout": 5})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    if uri.startswith("sqlite"):
        with app.app_context():
            engine: Engine = db.engine
            event.listen(engine, "connect", _sqlite_pragmas)
