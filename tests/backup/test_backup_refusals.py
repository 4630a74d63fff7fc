"""What ``flask backup restore`` refuses, before writing anything: archives of another format
version or of a schema this code does not know, damaged archives, files that are not backups,
and installations that already hold content."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
import sqlalchemy as sa

from server.backup.restore import occupied_tables
from server.extensions import db
from server.storage_setup import originals_storage
from tests.support.accounts import create_account
from tours.models import Panorama

ORIGINAL = b"the only copy of a panorama"


@pytest.fixture
def source(installations, migrated_sqlite):
    """An installation at the head revision with an account and a panorama's original."""
    inst = installations("source", database=migrated_sqlite("source"))
    create_account(inst.app, email="eda@city.test")
    with inst.app.app_context():
        originals_storage().put("panoramas/ab/original.jpeg", ORIGINAL)
        db.session.add(Panorama(sha256="b" * 64, byte_size=len(ORIGINAL),
                                original_key="panoramas/ab/original.jpeg"))
        db.session.commit()
    return inst


@pytest.fixture
def archive(source, tmp_path):
    path = tmp_path / "good.tar"
    result = source.app.test_cli_runner().invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    return path


def rewritten(archive, tmp_path, change_manifest=None, replace=None):
    """A copy of ``archive`` with its manifest changed and members' bytes replaced."""
    path = tmp_path / f"changed-{len(list(tmp_path.iterdir()))}.tar"
    with tarfile.open(archive) as source, tarfile.open(path, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json" and change_manifest is not None:
                manifest = json.loads(data)
                change_manifest(manifest)
                data = json.dumps(manifest).encode()
            if replace and member.name in replace:
                data = replace[member.name]
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return path


def restore(inst, path):
    return inst.app.test_cli_runner().invoke(args=["backup", "restore", str(path)])


def assert_untouched(inst):
    """No schema was made in the fresh installation's database."""
    with inst.app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.engine.dispose()


def test_an_archive_of_a_newer_format_is_refused(archive, tmp_path, installations):
    newer = rewritten(archive, tmp_path, lambda m: m.update(format_version=99))
    target = installations("target")
    result = restore(target, newer)
    assert result.exit_code == 1
    assert "format version 99, made by a newer version of Flaneur" in result.output
    assert "reads format versions up to 1" in result.output
    assert_untouched(target)


def test_an_archive_of_a_format_no_longer_read_is_refused(archive, tmp_path, installations):
    older = rewritten(archive, tmp_path, lambda m: m.update(format_version=0))
    target = installations("target")
    result = restore(target, older)
    assert result.exit_code == 1
    assert "format version 0, which this version of Flaneur no longer reads" in result.output
    assert "Restore it with the Flaneur version that made it" in result.output
    assert_untouched(target)


def test_a_schema_revision_this_code_does_not_know_is_refused(archive, tmp_path,
                                                              installations):
    unknown = rewritten(archive, tmp_path, lambda m: m.update(alembic_revision="0123456789ab"))
    target = installations("target")
    result = restore(target, unknown)
    assert result.exit_code == 1
    assert "schema revision 0123456789ab, which this version of Flaneur does not know" in (
        result.output)
    assert_untouched(target)


def test_files_that_are_not_backups_are_refused(tmp_path, installations):
    target = installations("target")
    text = tmp_path / "notes.tar"
    text.write_text("not an archive")
    assert "cannot be read as a backup archive" in restore(target, text).output
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as archive:
        data = json.dumps({"format": "tour-archive"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = restore(target, other)
    assert result.exit_code == 1
    assert "is not a Flaneur backup" in result.output
    assert_untouched(target)


def test_a_damaged_table_is_found_before_anything_is_written(archive, tmp_path, installations):
    damaged = rewritten(archive, tmp_path,
                        replace={"database/user.jsonl": b'{"id": 1, "email": "x@y.z"}\n'})
    target = installations("target")
    result = restore(target, damaged)
    assert result.exit_code == 1
    assert "database/user.jsonl does not match its SHA-256" in result.output
    assert_untouched(target)
    verify = target.app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])
    assert verify.exit_code == 1


def test_a_damaged_object_rolls_the_rows_back_and_a_second_try_succeeds(
        archive, tmp_path, installations):
    damaged = rewritten(archive, tmp_path, replace={
        "objects/originals/panoramas/ab/original.jpeg": b"something else entirely!!!"})
    target = installations("target")
    result = restore(target, damaged)
    assert result.exit_code == 1
    assert "originals/panoramas/ab/original.jpeg does not match its SHA-256" in result.output
    with target.app.app_context():
        assert occupied_tables(db.session.connection()) == []
        db.session.remove()
    again = restore(target, archive)
    assert again.exit_code == 0, again.output
    with target.app.app_context():
        assert originals_storage().get("panoramas/ab/original.jpeg") == ORIGINAL
        db.session.remove()


def test_an_installation_with_content_is_never_restored_into(archive, source):
    result = restore(source, archive)
    assert result.exit_code == 1
    assert "the database already holds content (rows in panorama, user)" in result.output
    assert "flask db downgrade base" in result.output
    with source.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Panorama)) == 1
        db.session.remove()
