"""Upgrades keep content: a database filled under an earlier schema is migrated to the head
revision intact, and a backup of such a database restores into today's code and is upgraded
after its rows are in."""

from __future__ import annotations

import json
import tarfile

from alembic import command
from flask_migrate import downgrade, upgrade

from server.extensions import db
from server.storage_setup import originals_storage
from tests.backup.old_schema import (
    OLD_REVISION,
    ORIGINAL_KEY,
    check_old_content,
    insert_old_content,
)


def test_content_written_under_an_earlier_schema_survives_the_upgrade(app_context):
    downgrade(revision=OLD_REVISION)
    with db.engine.begin() as connection:
        insert_old_content(connection)
    upgrade()
    db.session.remove()
    check_old_content(db.session)


def test_a_backup_of_an_older_schema_is_restored_then_upgraded(tmp_path, installations,
                                                               migrated_sqlite, database_url):
    old = installations("old")
    with old.app.app_context():
        command.upgrade(old.app.extensions["migrate"].migrate.get_config(), OLD_REVISION)
        with db.engine.begin() as connection:
            insert_old_content(connection)
        originals_storage().put(ORIGINAL_KEY, b"an old original")
    archive = tmp_path / "old.tar"
    made = old.app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert made.exit_code == 0, made.output
    with tarfile.open(archive) as opened:
        manifest = json.loads(opened.extractfile("manifest.json").read())
    assert manifest["alembic_revision"] == OLD_REVISION
    assert "floor_plan" not in manifest["counts"]["tables"]  # a table of a later revision

    # today's installation: at the head revision, empty (PostgreSQL with --postgres)
    current = installations("current", database=database_url if not database_url.startswith(
        "sqlite") else migrated_sqlite("current"))
    restored = current.app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert f"upgrading the schema from {OLD_REVISION}" in restored.output
    with current.app.app_context():
        check_old_content(db.session)
        assert originals_storage().get(ORIGINAL_KEY) == b"an old original"
        db.session.remove()
