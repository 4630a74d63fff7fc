"""``flask media retile``: after a restore without public objects, ``--all --wait`` rebuilds
them from the originals — tiles, share images and web images — and the floor plan drawings
came back with the archive."""

from __future__ import annotations

import sqlalchemy as sa

from server.extensions import db
from server.storage_setup import public_storage
from tests.backup.city import build_city, shop_relations
from tours.models import CitySettings, FloorPlan, Hotspot, Panorama, PanoramaStatus, Scene


def public_keys_named(app):
    """Every public key the rows name, and whether it is stored."""
    with app.app_context():
        storage = public_storage()
        named = []
        for panorama in db.session.scalars(sa.select(Panorama).where(
                Panorama.status != PanoramaStatus.TAKEN_DOWN)):
            assert panorama.status is PanoramaStatus.READY
            named.append(f"panoramas/{panorama.public_id}/{panorama.current_revision}/"
                         "manifest.json")
        named += [scene.share_image_key for scene in db.session.scalars(sa.select(Scene))]
        named += [plan.image_key for plan in db.session.scalars(sa.select(FloorPlan))]
        hotspot = db.session.scalars(sa.select(Hotspot).where(Hotspot.image.is_not(None))).one()
        logo = db.session.get(CitySettings, 1).logo
        for record in (hotspot.image, logo):
            named += [variant["key"] for variant in record["variants"].values()]
        found = {key: key is not None and storage.exists(key) for key in named}
        db.session.remove()
        return found


def test_retile_all_rebuilds_the_public_storage_after_a_restore(tmp_path, installations,
                                                                migrated_sqlite):
    source = installations("source", database=migrated_sqlite("source"))
    made = build_city(source.app)
    archive = tmp_path / "city.tar"
    assert source.app.test_cli_runner().invoke(
        args=["backup", "create", str(archive)]).exit_code == 0
    target = installations("target", TILING_THREADS=1)
    assert target.app.test_cli_runner().invoke(
        args=["backup", "restore", str(archive)]).exit_code == 0
    with target.app.app_context():
        assert [*public_storage().list_keys()] == [
            db.session.scalars(sa.select(FloorPlan.image_key)).one()]
        db.session.remove()

    result = target.app.test_cli_runner().invoke(args=["media", "retile", "--all", "--wait"])
    assert result.exit_code == 0, result.output
    assert "4 web image(s) rebuilt" in result.output
    found = public_keys_named(target.app)
    assert found
    assert all(found.values()), [key for key, ok in found.items() if not ok]
    # the same encoder gives the same bytes: the shop's images keep their keys
    relations = shop_relations(target.app, made["shop_id"])
    assert relations == shop_relations(source.app, made["shop_id"])
    with target.app.app_context():
        for _kind, _sha, variants, _alt in relations["images"]:
            assert all(public_storage().exists(v["key"]) for v in variants.values())
        db.session.remove()


def test_retile_names_panoramas_or_takes_all(app, runner, make_panorama):
    panorama = make_panorama()
    assert runner.invoke(args=["media", "retile"]).exit_code == 2
    assert runner.invoke(args=["media", "retile", "--all", panorama.public_id]).exit_code == 2
    unknown = runner.invoke(args=["media", "retile", "nosuchpanora"])
    assert unknown.exit_code == 2
    assert "there is no panorama nosuchpanora" in unknown.output
    queued = runner.invoke(args=["media", "retile", panorama.public_id])
    assert queued.exit_code == 0, queued.output
    assert "1 tiling job(s) queued" in queued.output
    again = runner.invoke(args=["media", "retile", panorama.public_id])
    assert f"skipped {panorama.public_id}" in again.output
