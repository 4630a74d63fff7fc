"""``flask backup create`` and ``flask backup restore``: a whole installation comes back with
every row and every original, on the same backends or across them (SQLite + local folders ⇄
the run's database + S3 over HTTP: PostgreSQL with ``--postgres``)."""

from __future__ import annotations

import json
import tarfile

import sqlalchemy as sa

from server.extensions import db
from server.storage_setup import public_storage
from tests.backup.city import (
    OWNER_EMAIL,
    assert_same_city,
    build_city,
    object_checksums,
    shop_relations,
    token_user,
)
from tests.support.accounts import log_in
from tours.models import FloorPlan, Scene


def run(inst, *args):
    result = inst.app.test_cli_runner().invoke(args=list(args))
    return result


def backup(inst, path, *options):
    result = run(inst, "backup", "create", str(path), *options)
    assert result.exit_code == 0, result.output
    with tarfile.open(path) as archive:
        return json.loads(archive.extractfile("manifest.json").read())


def restore(inst, path):
    result = run(inst, "backup", "restore", str(path))
    assert result.exit_code == 0, result.output
    return result.output


def test_round_trip_sqlite_and_folders(tmp_path, installations, migrated_sqlite):
    source = installations("source", database=migrated_sqlite("source"))
    made = build_city(source.app)
    archive = tmp_path / "city.tar"
    manifest = backup(source, archive)
    assert manifest["format"] == "flaneur-backup"
    assert manifest["format_version"] == 1
    with source.app.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert manifest["alembic_revision"] == head
    assert "job" not in manifest["counts"]["tables"]
    assert manifest["counts"]["tables"]["scene"] == 2
    stored = {(o["storage"], o["key"]): o["sha256"] for o in manifest["objects"]}
    # the originals (panoramas, shop images, hotspot picture, city logo) and the floor plan
    # drawing, which has no original; never the taken-down panorama's, nothing else public
    assert {key for role, key in stored if role == "originals"} == set(
        object_checksums(source.app, "originals"))
    with source.app.app_context():
        drawing = db.session.scalars(sa.select(FloorPlan.image_key)).one()
    assert {key for role, key in stored if role == "public"} == {drawing}
    assert manifest["missing"] == []

    target = installations("target")  # a new SQLite file without any schema
    output = restore(target, archive)
    assert "flask media retile --all" in output
    assert_same_city(source.app, target.app)
    assert shop_relations(target.app, made["shop_id"]) == shop_relations(source.app,
                                                                          made["shop_id"])
    assert token_user(target.app, made["token"]) == OWNER_EMAIL
    response = log_in(target.app.test_client(), OWNER_EMAIL)
    assert response.status_code in (302, 303), "the restored password hash signs in"
    with target.app.app_context():
        assert public_storage().exists(drawing)
        hall = db.session.get(Scene, made["hall"])
        assert (hall.floor_plan.venue, hall.floor_x, hall.floor_y) == ("Markthalle", 0.25, 0.75)


def test_a_compressed_archive_with_public_objects_needs_no_retiling(tmp_path, installations,
                                                                     migrated_sqlite):
    source = installations("source", database=migrated_sqlite("source"))
    build_city(source.app)
    archive = tmp_path / "city.tar.gz"
    manifest = backup(source, archive, "--with-public")
    assert manifest["includes_public"] is True
    public = {o["key"] for o in manifest["objects"] if o["storage"] == "public"}
    assert any(key.startswith("shops/images/") for key in public)
    assert any(key.startswith("hotspots/images/") for key in public)
    assert any(key.startswith("city/images/") for key in public)
    target = installations("target")
    output = restore(target, archive)
    assert "retile" not in output
    assert object_checksums(target.app, "public") == {
        key: sha for key, sha in object_checksums(source.app, "public").items()
        if key in public}
    assert run(target, "backup", "verify", str(archive)).exit_code == 0


def test_across_backends_and_back(tmp_path, installations, migrated_sqlite, database_url,
                                  moto_s3):
    """SQLite + folders → the run's database (PostgreSQL with --postgres) + S3 → SQLite +
    folders: nothing is lost on the way there or back."""
    source = installations("source", database=migrated_sqlite("source"))
    made = build_city(source.app)
    there = tmp_path / "there.tar"
    backup(source, there)

    bucket = moto_s3.create_bucket()
    cloud = installations("cloud", database=database_url if not database_url.startswith(
        "sqlite") else migrated_sqlite("cloud"),
        originals=moto_s3.storage_url(bucket, "flaneur/originals"),
        public=moto_s3.storage_url(bucket, "flaneur/public"))
    restore(cloud, there)
    assert_same_city(source.app, cloud.app)
    listed = moto_s3.client.list_objects_v2(Bucket=bucket, Prefix="flaneur/originals/")
    assert listed["KeyCount"] == len(object_checksums(source.app, "originals"))

    # new rows get ids after the restored ones (PostgreSQL's sequences were moved on)
    with cloud.app.app_context():
        scene = Scene(slug="new-place", panorama_id=1, title={}, description={})
        db.session.add(scene)
        db.session.commit()
        assert scene.id > made["hall"]
        db.session.delete(scene)
        db.session.commit()

    back = tmp_path / "back.tar"
    backup(cloud, back)
    home = installations("home")
    restore(home, back)
    assert_same_city(source.app, home.app)
    assert token_user(home.app, made["token"]) == OWNER_EMAIL


def test_the_snapshot_does_not_see_later_writes(app, make_user):
    """Every table of a backup is read at one moment, on SQLite and PostgreSQL alike."""
    from server.backup.create import snapshot
    from tours.models import User

    make_user(email="first@city.test")
    count = sa.select(sa.func.count()).select_from(User)
    with app.app_context(), snapshot(db.engine) as connection:
        assert connection.scalar(count) == 1
        make_user(email="second@city.test")  # committed by another connection meanwhile
        assert connection.scalar(count) == 1
    with app.app_context():
        assert db.session.scalar(count) == 2
        db.session.remove()
