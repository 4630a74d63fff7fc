"""Uploading a panorama, tiling it into a revision, and what bad input and faults do."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from server.extensions import db
from server.jobs import handler_registry
from server.jobs.worker import Worker
from server.panorama_uploads import display_filename
from server.storage import IMMUTABLE_CACHE_CONTROL, StorageError
from server.storage_setup import originals_storage, public_storage
from tests.support.content import create_scene
from tests.support.hostile_images import CASES
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tours.models import Job, JobStatus, Panorama, PanoramaRevision, PanoramaStatus, Role

WIDTH = 2048


def panorama_file(seed: int = 1, width: int = WIDTH, exif: bytes | None = None) -> bytes:
    return jpeg_bytes(textured_panorama(width, seed=seed), exif=exif)


def gps_exif() -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (49.0, 52.0, 21.0), 3: "E", 4: (8.0, 39.0, 4.0)})
    return exif.tobytes()


def upload(client, headers, data: bytes, name: str = "street.jpg", **form):
    # encoded here, in memory: the test client would spool a large body to a temporary file
    # that it never closes
    fields = MultiDict([*form.items(), ("file", FileStorage(io.BytesIO(data), filename=name))])
    boundary, body = encode_multipart(fields)
    return client.post("/api/panoramas", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def run_jobs(app: Flask) -> None:
    """Run every ready job to an outcome, in this thread."""
    worker = Worker.from_config(app, handler_registry(app), "tests")
    worker.run(drain=True)


def panorama_row(app: Flask, public_id: str) -> Panorama:
    with app.app_context():
        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == public_id)).one()
        db.session.expunge(panorama)
        return panorama


def job_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Job)) or 0


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


def test_upload_is_tiled_into_a_ready_revision(app, client, editor):
    response = upload(client, editor, panorama_file(exif=gps_exif()), author="Ana",
                      licence="CC-BY-SA-4.0")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] is True
    assert body["panorama"]["status"] == "queued"
    assert body["panorama"]["author"] == "Ana"
    public_id = body["panorama"]["id"]

    run_jobs(app)

    job = client.get(f"/api/jobs/{body['job_id']}", headers=editor).get_json()
    assert (job["status"], job["progress"], job["stage"]) == ("succeeded", 100, "done")
    panorama = panorama_row(app, public_id)
    assert panorama.status is PanoramaStatus.READY
    assert panorama.gps_latitude == pytest.approx(49.8725, abs=1e-3)
    prefix = f"panoramas/{public_id}/{panorama.current_revision}"
    with app.app_context():
        storage = public_storage()
        keys = list(storage.list_keys(prefix))
        manifest = json.loads(storage.get(f"{prefix}/manifest.json"))
        assert manifest == panorama.manifest
        top = manifest["levels"][-1]
        expected_tiles = 6 * sum(level["nb_tiles"] ** 2 for level in manifest["levels"])
        assert len([k for k in keys if not k.startswith(f"{prefix}/0/")
                    and k.endswith(".jpg") and k.count("/") == 6]) == expected_tiles
        assert f"{prefix}/sd.jpg" in keys
        assert f"{prefix}/thumb.jpg" in keys
        assert f"{prefix}/{top['z']}/f/0/0.jpg" in keys
        head = storage.head(f"{prefix}/{top['z']}/u/0/0.jpg")
        assert head.cache_control == IMMUTABLE_CACHE_CONTROL
        assert head.content_type == "image/jpeg"
        # served by Flask for the local backend: cacheable by anyone, for a year
        with client.get(f"/media/{prefix}/{top['z']}/f/0/0.jpg", headers=editor) as tile:
            assert tile.status_code == 200
            assert tile.headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL
            assert "Cookie" not in tile.vary
            assert "Accept-Language" not in tile.vary
        # GPS (and any EXIF) never reaches a public object
        for key in (f"{prefix}/sd.jpg", f"{prefix}/thumb.jpg", f"{prefix}/0/f/0/0.jpg"):
            image = Image.open(io.BytesIO(storage.get(key)))
            assert dict(image.getexif()) == {}


def test_the_same_file_twice_is_one_panorama_with_one_job(app, client, editor):
    data = panorama_file(seed=2)
    first = upload(client, editor, data).get_json()
    second = upload(client, editor, data, name="copy.jpg")
    assert second.status_code == 200
    assert second.get_json()["created"] is False
    assert second.get_json()["job_id"] is None
    assert second.get_json()["panorama"]["id"] == first["panorama"]["id"]
    assert job_count(app) == 1
    with app.app_context():
        assert len(list(originals_storage().list_keys("panoramas"))) == 1


def test_concurrent_identical_uploads_make_one_panorama(app, editor):
    data = panorama_file(seed=3)
    results: list[int] = []

    def send() -> None:
        results.append(upload(app.test_client(), editor, data).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results).count(201) == 1
    assert set(results) <= {200, 201}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Panorama)) == 1
    assert job_count(app) == 1


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_files_are_refused_with_a_reason_and_nothing_stored(app, client, editor, case):
    factory, expected = CASES[case]
    started = time.monotonic()
    response = upload(client, editor, factory(), name="../../etc/x.jpg\x00.php")
    elapsed = time.monotonic() - started
    print(f"{case}: {response.status_code} in {elapsed * 1000:.0f} ms")
    if expected is None:
        assert response.status_code == 201, response.get_json()
        with app.app_context():
            panorama = db.session.scalars(db.select(Panorama)).one()
            assert panorama.original_filename == "x.jpg.php"
            assert panorama.original_key.startswith("panoramas/")
        return
    assert 400 <= response.status_code < 500
    body = response.get_json()
    assert body["errors"]["file"]["code"] == expected
    assert body["message"]
    assert job_count(app) == 0
    with app.app_context():
        assert list(originals_storage().list_keys("")) == []
        assert db.session.scalar(db.select(db.func.count()).select_from(Panorama)) == 0


def test_accepted_awkward_files_tile_into_clean_images(app, client, editor):
    for case in ("jpeg_zip_polyglot", "png_16_bit", "cmyk_jpeg", "exif_rotated"):
        assert upload(client, editor, CASES[case][0]()).status_code == 201, case
    run_jobs(app)
    with app.app_context():
        panoramas = db.session.scalars(db.select(Panorama)).all()
        assert {p.status for p in panoramas} == {PanoramaStatus.READY}
        storage = public_storage()
        for panorama in panoramas:
            sd = storage.get(f"panoramas/{panorama.public_id}/{panorama.current_revision}/sd.jpg")
            assert b"PK\x03\x04" not in sd  # the polyglot's ZIP does not survive re-encoding
            sd_size = (panorama.manifest["sd"]["width"], panorama.manifest["sd"]["height"])
            assert Image.open(io.BytesIO(sd)).size == sd_size
            assert sd_size[0] == 2 * sd_size[1]


def test_uploads_need_an_editor(app, client, auth_headers):
    data = panorama_file(seed=4)
    # anonymous: refused before anything else, by the CSRF check (no session, no token)
    assert upload(client, {}, data).status_code == 400
    assert upload(client, {"Authorization": "Bearer flt_wrong"}, data).status_code == 401
    assert upload(client, auth_headers(Role.SHOP_OWNER), data).status_code == 403
    assert job_count(app) == 0


def test_a_request_body_over_the_cap_is_413(app, client, editor):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = upload(client, editor, panorama_file(seed=5))
    assert response.status_code == 413
    assert response.get_json()["code"] == 413
    assert job_count(app) == 0


def test_originals_storage_down_answers_503_and_registers_nothing(app, client, editor,
                                                                   monkeypatch):
    def broken_put(*args, **kwargs):
        raise StorageError("the store is down")

    with app.app_context():
        monkeypatch.setattr(originals_storage(), "put", broken_put)
    response = upload(client, editor, panorama_file(seed=6))
    assert response.status_code == 503
    assert job_count(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Panorama)) == 0


@pytest.mark.parametrize(
    ("given", "shown"),
    [("street.jpg", "street.jpg"), ("../../x.jpg", "x.jpg"), ("C:\\photos\\a.jpg", "a.jpg"),
     ("evil\u202egpj.exe", "evilgpj.exe"), ("a" * 300 + ".jpg", "a" * 255)],
)
def test_file_names_are_only_kept_for_display(given, shown):
    assert display_filename(given) == shown


class FailingAfter:
    """Wraps a storage so that ``put`` fails after ``count`` successful calls."""

    def __init__(self, storage, count: int) -> None:
        self.real_put = storage.put
        self.remaining = count

    def put(self, *args, **kwargs):
        if self.remaining <= 0:
            raise StorageError("injected failure")
        self.remaining -= 1
        return self.real_put(*args, **kwargs)


def test_storage_failing_mid_tiling_keeps_the_previous_revision(app, client, editor,
                                                                 monkeypatch):
    app.config["JOB_RETRY_SECONDS"] = 3600  # the retry waits until the test says so
    body = upload(client, editor, panorama_file(seed=7)).get_json()
    public_id = body["panorama"]["id"]
    run_jobs(app)
    before = panorama_row(app, public_id)
    assert before.status is PanoramaStatus.READY

    with app.app_context():
        from tours import ingest

        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == public_id)).one()
        retile_job = ingest.queue_tiling(db.session, panorama, max_attempts=2)
        db.session.commit()
        storage = public_storage()
    flaky = FailingAfter(storage, 5)
    monkeypatch.setattr(storage, "put", flaky.put)
    run_jobs(app)  # the first attempt fails after 5 objects
    with app.app_context():
        job = db.session.get(Job, retile_job)
        assert job.status is JobStatus.QUEUED  # waiting for its retry
        assert job.error
    after_failure = panorama_row(app, public_id)
    assert after_failure.current_revision == before.current_revision
    assert after_failure.status is PanoramaStatus.READY
    assert after_failure.error_code == "tiling_failed"
    with app.app_context():
        states = sorted(r.state.value for r in db.session.scalars(
            db.select(PanoramaRevision).where(PanoramaRevision.panorama_id == before.id)))
    assert states == ["building", "ready"]  # the partial revision is recorded, not referenced

    flaky.remaining = 10_000  # the store is back; let the retry run now
    with app.app_context():
        db.session.get(Job, retile_job).run_after = dt.datetime.now(dt.UTC)
        db.session.commit()
    run_jobs(app)
    after_retry = panorama_row(app, public_id)
    assert after_retry.current_revision != before.current_revision
    assert after_retry.error_code == ""
    with app.app_context():
        states = sorted(r.state.value for r in db.session.scalars(
            db.select(PanoramaRevision).where(PanoramaRevision.panorama_id == before.id)))
    assert states == ["building", "ready", "retired"]


def test_sweep_removes_expired_revisions_and_unused_panoramas_only(app, client, editor):
    from server.panorama_jobs import sweep
    from tours import ingest

    body = upload(client, editor, panorama_file(seed=8)).get_json()
    public_id = body["panorama"]["id"]
    run_jobs(app)
    with app.app_context():
        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == public_id)).one()
        ingest.queue_tiling(db.session, panorama)
        db.session.commit()
    shown = upload(client, editor, panorama_file(seed=9)).get_json()["panorama"]["id"]
    run_jobs(app)
    create_scene(app, panorama_row(app, shown))
    current = panorama_row(app, public_id).current_revision
    with app.app_context():
        # within the grace period nothing goes
        assert sweep(db.session, grace=dt.timedelta(hours=1)) == {
            "revisions": 0, "objects": 0, "panoramas": 0, "originals": 0}
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        removed = sweep(db.session, grace=dt.timedelta(hours=1), now=later)
        db.session.commit()
        # the retired revision is gone; the panorama is unused by any scene, so it goes too
        assert removed["revisions"] == 1
        assert removed["panoramas"] == 1
        assert list(public_storage().list_keys(f"panoramas/{public_id}")) == []
        # the panorama a scene shows stays, with its tiles and original
        kept = panorama_row(app, shown)
        assert list(public_storage().list_keys(
            f"panoramas/{shown}/{kept.current_revision}"))
        assert list(originals_storage().list_keys("")) == [kept.original_key]
    assert current is not None


def test_the_sweep_removes_originals_no_row_names_after_the_grace_period(app, client, editor):
    """A failed upload or tour import can leave a content-addressed original without its row."""
    from server.panorama_jobs import sweep
    from tours import ingest

    kept = upload(client, editor, panorama_file(seed=11)).get_json()["panorama"]["id"]
    run_jobs(app)
    create_scene(app, panorama_row(app, kept))
    orphan = ingest.originals_key("ab" * 32, "jpeg")
    with app.app_context():
        originals_storage().put(orphan, b"somebody's photograph", content_type="image/jpeg")
        # young: it may be an upload between its write and its commit
        assert sweep(db.session, grace=dt.timedelta(hours=1))["originals"] == 0
        assert originals_storage().exists(orphan)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        assert sweep(db.session, grace=dt.timedelta(hours=1), now=later)["originals"] == 1
        db.session.commit()
        assert not originals_storage().exists(orphan)
        # originals with a row stay
        assert list(originals_storage().list_keys("")) == [panorama_row(app, kept).original_key]


def test_share_image_follows_the_initial_view_and_the_revision(app, client, editor):
    from server.panorama_jobs import sweep_share_images
    from tours import scenes

    public_id = upload(client, editor, panorama_file(seed=10)).get_json()["panorama"]["id"]
    run_jobs(app)
    scene = create_scene(app, panorama_row(app, public_id), initial_view={
        "yaw": 90.0, "pitch": 10.0, "zoom": 50.0})
    run_jobs(app)
    with app.app_context():
        first = db.session.get(type(scene), scene.id)
        key = first.share_image_key
        assert key is not None
        assert first.share_image_view == {"yaw": 90.0, "pitch": 10.0, "zoom": 50.0}
        image = Image.open(io.BytesIO(public_storage().get(key)))
        assert image.size == (1200, 630)
        assert public_storage().head(key).cache_control == IMMUTABLE_CACHE_CONTROL
        scenes.update_scene(db.session, scene.id, {"initial_view": {
            "yaw": -45.0, "pitch": 0.0, "zoom": 20.0}})
        db.session.commit()
    run_jobs(app)
    with app.app_context():
        moved = db.session.get(type(scene), scene.id)
        assert moved.share_image_key not in (None, key)
        assert not moved.share_image_is_stale
        # the derived image never bumps the version: the editor's next save is no conflict
        assert moved.version == 2
        scenes.update_scene(db.session, scene.id, {"north_offset": 10.0}, expected_version=2)
        db.session.commit()
        # the old view's image stays for pages and caches until the sweep removes it
        assert public_storage().exists(key)
        assert sweep_share_images(db.session) == 1
        assert not public_storage().exists(key)
        assert public_storage().exists(moved.share_image_key)


def test_the_sweep_schedules_itself_in_the_background(app, client, editor):
    from tours import ingest, scenes

    grace = dt.timedelta(hours=app.config["PANORAMA_SWEEP_GRACE_HOURS"])

    def queued_sweeps():
        with app.app_context():
            return [(job.id, job.run_after) for job in db.session.scalars(
                db.select(Job).where(Job.kind == ingest.SWEEP_JOB,
                                     Job.status == JobStatus.QUEUED))]

    public_id = upload(client, editor, panorama_file(seed=12)).get_json()["panorama"]["id"]
    run_jobs(app)
    # the new panorama is shown by no scene yet: a sweep waits for its grace period
    panorama = panorama_row(app, public_id)
    [(sweep_id, due)] = queued_sweeps()
    assert due == panorama.updated_at + grace + ingest.SWEEP_SLACK

    scene = create_scene(app, panorama)
    with app.app_context():
        # the sweep runs now (early) and finds nothing due: it queues itself again
        db.session.get(Job, sweep_id).run_after = dt.datetime.now(dt.UTC)
        db.session.commit()
    run_jobs(app)
    assert panorama_row(app, public_id).status is PanoramaStatus.READY
    assert queued_sweeps() == []  # the panorama is in use: nothing is waiting any more

    with app.app_context():
        scenes.delete_scene(db.session, scene.id)
        db.session.commit()
    released = panorama_row(app, public_id)
    assert released.updated_at > panorama.updated_at  # its grace period starts now
    assert len(queued_sweeps()) == 1


def test_deleting_one_of_two_scenes_keeps_the_shared_tiles(app, client, editor):
    from server.panorama_jobs import sweep
    from tours import scenes

    public_id = upload(client, editor, panorama_file(seed=13)).get_json()["panorama"]["id"]
    run_jobs(app)
    panorama = panorama_row(app, public_id)
    first = create_scene(app, panorama, slug="market-north")
    create_scene(app, panorama, slug="market-south")
    with app.app_context():
        scenes.delete_scene(db.session, first.id)
        db.session.commit()
        much_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
        assert sweep(db.session, grace=dt.timedelta(hours=1), now=much_later)["panoramas"] == 0
        db.session.commit()
        assert any(public_storage().list_keys(f"panoramas/{public_id}"))
        assert originals_storage().exists(panorama.original_key)


def test_uploading_a_failed_panorama_again_retries_it(app, client, editor):
    app.config["JOB_MAX_ATTEMPTS"] = 1
    data = panorama_file(seed=14)
    public_id = upload(client, editor, data).get_json()["panorama"]["id"]
    with app.app_context():
        panorama = db.session.scalars(
            db.select(Panorama).where(Panorama.public_id == public_id)).one()
        originals_storage().put(panorama.original_key, data[:600] + bytes(len(data) - 600))
    run_jobs(app)
    assert panorama_row(app, public_id).status is PanoramaStatus.FAILED

    again = upload(client, editor, data)
    assert again.status_code == 200
    body = again.get_json()
    assert body["created"] is False
    assert body["job_id"] is not None
    assert body["panorama"]["status"] == "queued"
    assert body["panorama"]["error_code"] == ""
    run_jobs(app)
    assert panorama_row(app, public_id).status is PanoramaStatus.READY


def test_a_worker_stopping_on_the_last_attempt_is_no_tiling_failure(app, client, editor,
                                                                   monkeypatch):
    from server.jobs import JobInterrupted

    app.config["JOB_MAX_ATTEMPTS"] = 1
    public_id = upload(client, editor, panorama_file(seed=15)).get_json()["panorama"]["id"]

    def stopping(*args, **kwargs):
        raise JobInterrupted("the worker is stopping")

    monkeypatch.setattr("server.panorama_jobs.tile_panorama", stopping)
    Worker.from_config(app, handler_registry(app), "stopping").run_one()
    stopped = panorama_row(app, public_id)
    assert stopped.status is not PanoramaStatus.FAILED
    assert stopped.error_code == ""
    with app.app_context():
        job = db.session.scalars(db.select(Job)).one()
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)  # back in the queue


def test_a_sweep_racing_a_new_scene_deletes_nothing(app, client, editor, monkeypatch):
    from server.panorama_jobs import sweep
    from tours import ingest

    public_id = upload(client, editor, panorama_file(seed=16)).get_json()["panorama"]["id"]
    run_jobs(app)
    panorama = panorama_row(app, public_id)
    real_query = ingest.unused_panoramas

    def query_then_a_scene_appears(session, **kwargs):
        found = real_query(session, **kwargs)
        create_scene(app, panorama, slug="just-in-time")  # another request commits it
        return found

    monkeypatch.setattr(ingest, "unused_panoramas", query_then_a_scene_appears)
    with app.app_context():
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        with pytest.raises(IntegrityError):
            sweep(db.session, grace=dt.timedelta(hours=1), now=later)
        db.session.rollback()
        assert originals_storage().exists(panorama.original_key)
        assert any(public_storage().list_keys(f"panoramas/{public_id}"))


def test_a_tiling_started_earlier_never_replaces_a_later_one(app, make_panorama):
    """Two workers: the tiling started second (with the newer blur regions) finishes first;
    the older one, finishing after it, is retired at once and never shown."""
    from tours import ingest

    with app.app_context():
        panorama = db.session.get(Panorama, make_panorama().id)
        older = ingest.start_revision(db.session, panorama, "20261207T000001-aaaaaa")
        newer = ingest.start_revision(db.session, panorama, "20261207T000002-bbbbbb")
        ingest.finish_revision(db.session, newer, {"levels": "newer"})
        ingest.finish_revision(db.session, older, {"levels": "older"})
        db.session.commit()
        assert panorama.current_revision == "20261207T000002-bbbbbb"
        assert panorama.manifest == {"levels": "newer"}
        assert newer.state.value == "ready"
        assert older.state.value == "retired"
        assert older.retired_at is not None
