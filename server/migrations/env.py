"""Alembic environment: runs migrations on the app's engine with the ``tours`` metadata."""

from __future__ import annotations

from alembic import context
from flask import current_app

from tours.models import Base


def run_online() -> None:
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        # SQLite's batch mode rebuilds a table (copy, drop, rename); with rows in tables
        # referencing it, the drop would fail while foreign keys are enforced. The pragma only
        # changes outside a transaction, so it is set before the migrations' one and restored
        # after it.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            **current_app.extensions["migrate"].configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def run_offline() -> None:
    context.configure(
        url=str(current_app.extensions["migrate"].db.engine.url),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
