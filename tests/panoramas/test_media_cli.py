"""``flask media ingest`` and ``flask media sweep``."""

from __future__ import annotations

from server.extensions import db
from server.media_cli import slug_from
from server.storage_setup import public_storage
from tests.support.hostile_images import truncated_jpeg
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tours import tour_service
from tours.models import Job, Panorama, PanoramaStatus, Scene, Stop


def _file(tmp_path, name, seed):
    path = tmp_path / name
    path.write_bytes(jpeg_bytes(textured_panorama(2048, seed=seed)))
    return path


def test_ingest_with_wait_tiles_and_attaches_a_scene(app, runner, tmp_path):
    path = _file(tmp_path, "Marktplatz Süd.jpg", 11)
    result = runner.invoke(args=["media", "ingest", str(path), "--scene", "marktplatz",
                                 "--author", "Ana", "--licence", "CC0-1.0", "--wait"])
    assert result.exit_code == 0, result.output
    assert "tiling" in result.output
    with app.app_context():
        panorama = db.session.scalars(db.select(Panorama)).one()
        assert panorama.status is PanoramaStatus.READY
        assert (panorama.author, panorama.licence) == ("Ana", "CC0-1.0")
        scene = db.session.scalars(db.select(Scene)).one()
        assert scene.slug == "marktplatz"
        assert scene.panorama_id == panorama.id
        assert any(public_storage().list_keys(f"panoramas/{panorama.public_id}"))


def test_ingest_again_reuses_the_panorama_and_queues_nothing(app, runner, tmp_path):
    path = _file(tmp_path, "a.jpg", 12)
    assert runner.invoke(args=["media", "ingest", str(path)]).exit_code == 0
    again = runner.invoke(args=["media", "ingest", str(path)])
    assert again.exit_code == 0
    assert "already known" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1


def test_ingest_into_a_tour_adds_a_stop_per_file(app, runner, tmp_path):
    with app.app_context():
        tour = tour_service.create_tour(db.session, {"slug": "old-town", "title": {"en": "Old"}})
        db.session.commit()
        tour_id = tour.id
    files = [str(_file(tmp_path, f"stop {n}.jpg", 20 + n)) for n in (1, 2)]
    result = runner.invoke(args=["media", "ingest", *files, "--tour", "old-town"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stops = db.session.scalars(
            db.select(Stop).where(Stop.tour_id == tour_id).order_by(Stop.position)).all()
        assert [stop.scene.slug for stop in stops] == ["stop-1", "stop-2"]


def test_a_refused_file_is_reported_and_the_others_go_on(app, runner, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(truncated_jpeg())
    good = _file(tmp_path, "good.jpg", 13)
    result = runner.invoke(args=["media", "ingest", str(bad), str(good)])
    assert result.exit_code == 1
    assert "broken.jpg: refused" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Panorama)) == 1


def test_sweep_reports_what_it_removed(runner):
    result = runner.invoke(args=["media", "sweep"])
    assert result.exit_code == 0
    assert ("removed 0 revision(s), 0 panorama(s), 0 object(s), 0 orphaned original(s)"
            in result.output)


def test_slugs_from_file_names():
    assert slug_from("Markt Platz (2).JPG") == "markt-platz-2"
    assert slug_from("Ärger.jpg") == "arger"
    assert slug_from("x.jpg") == "scene-x"


def test_a_scene_made_on_the_command_line_takes_gps_and_north_from_the_file(app, runner,
                                                                            tmp_path):
    from tests.support.upload_files import panorama_file

    path = tmp_path / "Rathaus.jpg"
    path.write_bytes(panorama_file(31, position=(49.8728, 8.6512), heading=90.0, width=2048))
    result = runner.invoke(args=["media", "ingest", str(path), "--scene", "rathaus"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        scene = db.session.scalars(db.select(Scene)).one()
        assert (round(scene.latitude, 4), round(scene.longitude, 4)) == (49.8728, 8.6512)
        # the image's centre faces east, so north lies a quarter turn to the left
        assert scene.north_offset == -90.0
