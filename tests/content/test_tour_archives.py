"""Moving a tour between installations: ``flask tours export/import`` and the editors' API.

A source installation (its own database and storages) builds a small walk with real, tiled
panoramas; its archive is imported into the test's fresh app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server import create_app
from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from server.storage_setup import originals_storage
from tests.support.apps import base_config, close_app, database_for
from tests.support.content import create_shop
from tests.support.hotspot_images import show_picture
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tours import hotspots, links, tour_service
from tours.ingest import TILE_JOB
from tours.models import (
    Hotspot,
    Job,
    JobStatus,
    Link,
    Panorama,
    PanoramaStatus,
    Scene,
    Shop,
    Stop,
    Tour,
    TourStatus,
)

SHOP_SLUG = "sun-bakery"


FACE = {"x": 0.41, "y": 0.45, "width": 0.03, "height": 0.06, "kind": "face"}


def _run_jobs(app: Flask) -> None:
    worker = Worker.from_config(app, handler_registry(app), "tests")
    while worker.run_one():
        pass


def _build_source(app: Flask, folder: Path) -> None:
    """Two stops (a ↔ b), a scene c reached from b only, a fourth scene d outside the walk;
    a shop, a URL and an info hotspot with a picture; the tour published."""
    runner = app.test_cli_runner()
    files = []
    for seed, name in enumerate(("markt.jpg", "kirche.jpg", "hafen.jpg", "abseits.jpg")):
        path = folder / name
        path.write_bytes(jpeg_bytes(textured_panorama(1024, seed=40 + seed)))
        files.append(path)
    with app.app_context():
        tour_service.create_tour(db.session, {"slug": "old-town",
                                              "title": {"en": "Old town", "de": "Altstadt"},
                                              "intro": {"en": "Welcome"}})
        db.session.commit()
    for path, extra in ((files[0], ["--tour", "old-town"]), (files[1], ["--tour", "old-town"]),
                        (files[2], ["--scene", "hafen"]), (files[3], ["--scene", "abseits"])):
        result = runner.invoke(args=["media", "ingest", str(path), "--author", "Ana",
                                     "--licence", "CC0-1.0", *extra])
        assert result.exit_code == 0, result.output
    _run_jobs(app)
    create_shop(app, slug=SHOP_SLUG)
    with app.app_context():
        by_slug = {scene.slug: scene for scene in db.session.scalars(select(Scene))}
        markt, kirche, hafen = by_slug["markt"], by_slug["kirche"], by_slug["hafen"]
        links.add_link(db.session, markt.id, {"to_scene_id": kirche.id, "bearing": 90,
                                              "label": {"en": "To the church"}})
        links.add_link(db.session, kirche.id, {
            "to_scene_id": hafen.id, "bearing": 10, "length_m": 40,
            "closed_until": dt.datetime(2030, 5, 1, 12, tzinfo=dt.UTC),
            "closed_reason": {"en": "Market day"}}, both_directions=False)
        shop_id = db.session.scalar(select(Shop.id).where(Shop.slug == SHOP_SLUG))
        hotspots.add_hotspot(db.session, markt.id, {"yaw": 10, "pitch": -5, "kind": "shop",
                                                    "shop_id": shop_id})
        hotspots.add_hotspot(db.session, kirche.id, {
            "yaw": -30, "pitch": 0, "kind": "url", "url": "https://example.org/kirche",
            "label": {"en": "Parish"}})
        info = hotspots.add_hotspot(db.session, hafen.id, {
            "yaw": 0, "pitch": 10, "kind": "info", "text": {"en": "Built 1620"},
            "label": {"en": "History"}})
        tour = db.session.scalar(select(Tour))
        stop = tour.stops[1]
        tour_service.update_stop(db.session, stop.id, {
            "text": {"en": "The church"}, "initial_view": {"yaw": 30, "pitch": 5, "zoom": 40}})
        tour_service.update_tour(db.session, tour.id, {
            "status": "published", "cover_scene_id": kirche.id,
            "publish_from": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            "publish_until": dt.datetime(2026, 12, 24, 18, tzinfo=dt.UTC)})
        # a face blurred in the harbour: the archive carries the original, unblurred
        hafen.panorama.blur_regions = [FACE]
        db.session.commit()
        info_id = info.id
    show_picture(app, info_id, alt={"en": "An old engraving"})


@pytest.fixture(scope="module")
def source(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("source")
    app = create_app(base_config(database_for(database_url, folder), folder))
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        close_app(app)
        pytest.skip("the source installation needs a database of its own (SQLite)")
    _build_source(app, folder)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def archive(source: Flask, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("archive") / "old-town.zip"
    result = source.test_cli_runner().invoke(args=["tours", "export", "old-town", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def _post_archive(app: Flask, headers: dict[str, str], data: bytes, **form: str) -> Any:
    """POST an archive to the import endpoint, the body encoded in memory (the test client
    would spool a large one to a temporary file it never closes)."""
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename="tour.zip"), **form})
    return app.test_client().post(
        "/api/tours/import", headers=headers, input_stream=io.BytesIO(body),
        content_length=len(body), content_type=f"multipart/form-data; boundary={boundary}")


def _snapshot(app: Flask) -> dict[str, Any]:
    """What a tour's walk looks like, by slug (ids differ between installations)."""
    with app.app_context():
        tour = db.session.scalar(select(Tour).order_by(Tour.id.desc()))
        scenes = {scene.slug: scene for scene in db.session.scalars(select(Scene))}
        walk = {slug: scene for slug, scene in scenes.items() if slug != "abseits"}
        return {
            "tour": (tour.title, tour.intro, tour.publish_from, tour.publish_until,
                     tour.cover_scene.slug),
            "stops": [(stop.position, stop.scene.slug, stop.text, stop.initial_view)
                      for stop in tour.stops],
            "scenes": {slug: (scene.title, scene.north_offset, scene.initial_view,
                              scene.latitude, scene.panorama.sha256, scene.panorama.author,
                              scene.panorama.licence, scene.panorama.blur_regions)
                       for slug, scene in walk.items()},
            "links": sorted((link.from_scene.slug, link.to_scene.slug, link.bearing,
                             link.length_m, link.kind.value, link.label, link.closed_until,
                             link.closed_reason)
                            for link in db.session.scalars(select(Link))
                            if link.from_scene.slug in walk and link.to_scene.slug in walk),
            "hotspots": sorted((spot.scene.slug, spot.kind.value, spot.yaw, spot.pitch,
                                spot.url, spot.label, spot.text, spot.image_alt,
                                db.session.get(Shop, spot.shop_id).slug if spot.shop_id else None,
                                (spot.image or {}).get("sha256"))
                               for spot in db.session.scalars(select(Hotspot))
                               if spot.scene.slug in walk),
        }


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Tour, Scene, Panorama, Link, Hotspot, Stop))


def test_the_archive_holds_the_walk_and_the_originals(archive, source):
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        assert (manifest["format"], manifest["version"]) == ("flaneur-tour", 1)
        assert [scene["slug"] for scene in manifest["scenes"]] == ["markt", "kirche", "hafen"]
        assert [stop["scene"] for stop in manifest["stops"]] == ["markt", "kirche"]
        for scene in manifest["scenes"]:
            data = opened.read(scene["panorama"]["file"])
            assert hashlib.sha256(data).hexdigest() == scene["panorama"]["sha256"]
        assert len(opened.namelist()) == 1 + 3 + 1  # manifest, originals, one picture: no tiles


def test_round_trip_into_a_fresh_installation(archive, source, app, tmp_path):
    create_shop(app, slug=SHOP_SLUG)
    path = tmp_path / "old-town.zip"
    path.write_bytes(archive)
    result = app.test_cli_runner().invoke(args=["tours", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 tiling job(s) queued" in result.output
    with app.app_context():
        tour = db.session.scalar(select(Tour))
        assert tour.slug == "old-town"
        assert tour.status is TourStatus.DRAFT  # editors review before publishing
        jobs = db.session.scalars(select(Job).where(Job.kind == TILE_JOB)).all()
        assert len(jobs) == 3
        for panorama in db.session.scalars(select(Panorama)):
            data = originals_storage().get(panorama.original_key)
            assert hashlib.sha256(data).hexdigest() == panorama.sha256
    _run_jobs(app)
    with app.app_context():
        assert {panorama.status for panorama in db.session.scalars(select(Panorama))} == {
            PanoramaStatus.READY}
        assert db.session.scalar(select(func.count()).select_from(Job).where(
            Job.kind == TILE_JOB, Job.status != JobStatus.SUCCEEDED)) == 0
    assert _snapshot(app) == _snapshot(source)


def test_a_panorama_known_here_gets_the_regions_it_lacks_and_is_tiled_again(archive, app,
                                                                           tmp_path):
    """The same original, known here without the blur: importing must not leave the face
    shown here, so the archive's regions are added and the panorama is tiled again."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        [hafen] = [scene for scene in manifest["scenes"] if scene["slug"] == "hafen"]
        original = opened.read(hafen["panorama"]["file"])
    assert hafen["panorama"]["blur_regions"] == [FACE]
    known = tmp_path / "hafen.jpg"
    known.write_bytes(original)
    assert app.test_cli_runner().invoke(args=["media", "ingest", str(known)]).exit_code == 0
    _run_jobs(app)
    path = tmp_path / "old-town.zip"
    path.write_bytes(archive)
    result = app.test_cli_runner().invoke(args=["tours", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        panorama = db.session.scalar(select(Panorama).where(
            Panorama.sha256 == hafen["panorama"]["sha256"]))
        assert panorama.blur_regions == [FACE]
        queued = db.session.scalars(select(Job).where(
            Job.kind == TILE_JOB, Job.status == JobStatus.QUEUED)).all()
        assert panorama.id in {job.payload["panorama_id"] for job in queued}


def test_conflicts_refuse_and_a_suffix_renames(archive, app, auth_headers):
    client = app.test_client()
    headers = auth_headers()

    def post(**form: str) -> Any:
        return _post_archive(app, headers, archive, **form)

    first = post()
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["tour"]["status"] == "draft"
    assert body["skipped_hotspots"] == [f"markt: {SHOP_SLUG}"]  # no such shop here
    assert body["panoramas_new"] == 3
    before = _counts(app)
    again = post()
    assert again.status_code == 409
    assert "old-town" in again.get_json()["message"]
    assert "markt" in again.get_json()["message"]
    assert _counts(app) == before
    renamed = post(rename_suffix="-copy")
    assert renamed.status_code == 201, renamed.get_json()
    body = renamed.get_json()
    assert body["tour"]["slug"] == "old-town-copy"
    assert body["renamed"]["hafen"] == "hafen-copy"
    assert (body["panoramas_new"], body["panoramas_reused"], body["job_ids"]) == (0, 3, [])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Panorama)) == 3
        tour = db.session.scalar(select(Tour).where(Tour.slug == "old-town-copy"))
        assert [stop.scene.slug for stop in tour.stops] == ["markt-copy", "kirche-copy"]
        tour_id = tour.id
    download = client.get(f"/api/tours/{tour_id}/export", headers=headers)
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as opened:
        manifest = json.loads(opened.read("manifest.json"))
    download.close()
    assert manifest["tour"]["slug"] == "old-town-copy"
    assert post(rename_suffix="../x").status_code == 422


def test_a_former_slug_of_a_tour_here_counts_as_taken(archive, app, auth_headers):
    """Importing would take the slug from the renamed tour its old addresses lead to."""
    headers = auth_headers()
    first = _post_archive(app, headers, archive)
    assert first.status_code == 201, first.get_json()
    renamed = app.test_client().patch(f"/api/tours/{first.get_json()['tour']['id']}",
                                      json={"slug": "old-town-2026"}, headers=headers)
    assert renamed.status_code == 200, renamed.get_json()
    again = _post_archive(app, headers, archive)
    assert again.status_code == 409
    assert "tour old-town" in again.get_json()["message"]


def _rewritten(archive: bytes, change: Any) -> bytes:
    """``archive`` with its members passed through ``change(name, data) → [(name, data)]``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            for new_name, data in change(name, source.read(name)):
                target.writestr(new_name, data)
    return out.getvalue()


def _manifest_change(edit: Any) -> Any:
    def change(name: str, data: bytes) -> list[tuple[str, bytes]]:
        if name != "manifest.json":
            return [(name, data)]
        manifest = json.loads(data)
        edit(manifest)
        return [(name, json.dumps(manifest).encode())]
    return change


def _with_extra(extra: str) -> Any:
    """Adds a member named ``extra`` next to the manifest."""
    return lambda name, data: [(name, data)] + ([(extra, b"x")] if name == "manifest.json"
                                                else [])


def _hostile(archive: bytes, kind: str) -> bytes:  # noqa: PLR0911 - one case per kind
    if kind == "not a zip":
        return b"PK\x03\x04 this is not really a zip"
    if kind == "path traversal":
        return _rewritten(archive, _with_extra("../../etc/evil"))
    if kind == "absolute path":
        return _rewritten(archive, _with_extra("/etc/evil"))
    if kind == "bad json":
        return _rewritten(archive, lambda name, data: [(name, b"{nope" if name ==
                                                        "manifest.json" else data)])
    if kind == "wrong format":
        return _rewritten(archive, _manifest_change(lambda m: m.update(format="pannellum")))
    if kind == "wrong version":
        return _rewritten(archive, _manifest_change(lambda m: m.update(version=99)))
    if kind == "missing file":
        return _rewritten(archive, lambda name, data: [] if name.startswith("panoramas/")
                          and "manifest" not in name else [(name, data)])
    if kind == "tampered file":
        return _rewritten(archive, lambda name, data: [
            (name, data[:-10] + b"0123456789" if name.startswith("panoramas/") else data)])
    if kind == "many entries":
        return _rewritten(archive, lambda name, data: [(name, data)] + (
            [(f"pad/{n}", b"") for n in range(1001)] if name == "manifest.json" else []))
    if kind == "zip bomb":
        zeros = bytes(61 * 1024 * 1024)  # beyond the upload limit; compresses to ~60 KB

        def bomb(manifest: dict[str, Any]) -> None:
            manifest["scenes"][0]["panorama"].update(
                file="panoramas/bomb.jpg", sha256=hashlib.sha256(zeros).hexdigest())

        return _rewritten(archive, lambda name, data: _manifest_change(bomb)(name, data) + (
            [("panoramas/bomb.jpg", zeros)] if name == "manifest.json" else []))
    if kind == "invalid value":
        return _rewritten(archive, _manifest_change(
            lambda m: m["links"][0].update(bearing="north")))
    if kind == "scene not in archive":
        return _rewritten(archive, _manifest_change(
            lambda m: m["stops"].append({"scene": "elsewhere", "text": {}})))
    raise AssertionError(kind)


HOSTILE = ["not a zip", "path traversal", "absolute path", "bad json", "wrong format",
           "wrong version", "missing file", "tampered file", "many entries", "zip bomb",
           "invalid value", "scene not in archive"]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_archives_are_refused_with_nothing_stored(archive, app, tmp_path, kind):
    path = tmp_path / "hostile.zip"
    path.write_bytes(_hostile(archive, kind))
    result = app.test_cli_runner().invoke(args=["tours", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
    assert "Traceback" not in result.output
    assert _counts(app) == (0, 0, 0, 0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert list(originals_storage().list_keys("")) == []


@pytest.mark.parametrize("kind", ["path traversal", "wrong version", "invalid value"])
def test_the_api_answers_hostile_archives_with_a_4xx(archive, app, auth_headers, kind):
    response = _post_archive(app, auth_headers(), _hostile(archive, kind))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"]
    assert _counts(app) == (0, 0, 0, 0, 0, 0)


def test_export_of_an_unknown_tour(app, auth_headers, tmp_path):
    assert app.test_client().get("/api/tours/999/export",
                                 headers=auth_headers()).status_code == 404
    result = app.test_cli_runner().invoke(args=["tours", "export", "nope", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "no tour" in result.output


def test_the_reason_an_archive_is_refused_is_in_the_editors_language(archive, app,
                                                                    auth_headers):
    headers = {**auth_headers(), "Accept-Language": "de"}
    response = _post_archive(app, headers, _hostile(archive, "not a zip"))
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "Diese Datei ist kein verwendbares Rundgang-Archiv: Es ist keine ZIP-Datei.")
