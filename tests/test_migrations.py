"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server.extensions import db
from tours.models import Base


def test_models_and_migrations_do_not_drift(app_context):
    """Autogenerate would produce no change: every model change comes with its migration."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], (
        "models and migrations differ; run `flask db migrate -m '<what changed>'` and review it"
    )


def test_migrations_downgrade_to_empty_and_upgrade_again(app_context):
    downgrade(revision="base")
    remaining = set(db.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    tables = set(db.inspect(db.engine).get_table_names())
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
