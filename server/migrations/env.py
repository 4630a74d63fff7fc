"""Alembic environment: runs migrations on the app's engine with the ``tours`` metadata."""

from __future__ import annotations

from alembic import context
from flask import current_app

from tours.models import Base


def run_online() -> None:
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            **current_app.extensions["migrate"].configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


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
