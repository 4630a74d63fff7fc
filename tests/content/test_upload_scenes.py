"""Scenes made from uploaded panoramas (``tours.upload_scenes``, ``create_scene`` on
``POST /api/panoramas``) and tiling a panorama again (``POST /api/panoramas/<id>/retile``)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from server.city_settings import city
from server.extensions import db
from server.storage_setup import originals_storage
from tests.support.upload_files import panorama_file
from tours import upload_scenes
from tours.ingest import TILE_JOB, PanoramaTakenDown
from tours.models import Job, JobStatus, Panorama, PanoramaStatus, Role, Scene

#: Karlsruhe's market square, where the test camera stands
MARKET = (49.00937, 8.40390)


def upload(client, headers, data: bytes, name: str = "Markt Platz.jpg", **form: str):
    fields = MultiDict([*form.items(), ("file", FileStorage(io.BytesIO(data), filename=name))])
    boundary, body = encode_multipart(fields)
    return client.post("/api/panoramas", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(("heading", "offset"), [
    (0, 0), (90, -90), (270, 90), (180, -180), (-90, 90), (360, 0), (271.5, 88.5), (45, -45),
    (-180, -180), (359.5, 0.5),
])
def test_north_lies_opposite_the_heading_of_the_image_centre(heading, offset):
    assert upload_scenes.north_offset_from_heading(heading) == pytest.approx(offset)
    result = upload_scenes.north_offset_from_heading(heading)
    assert -180 <= result < 180


@pytest.mark.parametrize(("name", "stem"), [
    ("Markt Platz (2).JPG", "markt-platz-2"),
    ("IMG_0001.jpg", "img-0001"),
    ("Straße über den Fluss.webp", "strae-uber-den-fluss"),
    ("no-extension", "no-extension"),
    ("ü.jpg", None),
    (".hidden", "hidden"),
    ("--.png", None),
    ("", None),
    ("a" * 200 + ".jpg", "a" * upload_scenes.SLUG_STEM_LENGTH),
])
def test_slugs_come_from_file_names(name, stem):
    assert upload_scenes.slug_stem(name) == stem


def test_a_taken_slug_gets_the_first_free_number(session, make_scene):
    assert upload_scenes.unique_slug(session, "street") == "street"
    make_scene(slug="street")
    make_scene(slug="street-2")
    make_scene(slug="streets")
    assert upload_scenes.unique_slug(session, "street") == "street-3"
    assert upload_scenes.unique_slug(session, "stree") == "stree"


def test_a_scene_takes_position_heading_and_name_of_the_file(session, make_panorama):
    panorama = session.merge(make_panorama(
        original_filename="Markt Platz.jpg", gps_latitude=MARKET[0], gps_longitude=MARKET[1],
        pose_heading=271.5))
    scene, created = upload_scenes.scene_for_upload(session, panorama, language="de")
    assert created
    assert (scene.slug, scene.title) == ("markt-platz", {"de": "Markt Platz"})
    assert (scene.latitude, scene.longitude) == MARKET
    assert scene.north_offset == pytest.approx(88.5)
    assert scene.panorama is panorama

    again, created = upload_scenes.scene_for_upload(session, panorama, language="en")
    assert (again, created) == (scene, False)


def test_a_file_without_gps_or_heading_makes_a_scene_without_a_position(session, make_panorama):
    accented, nameless = make_panorama(original_filename="ü.jpg"), make_panorama(
        original_filename="")
    scene, created = upload_scenes.scene_for_upload(session, session.merge(accented),
                                                    language="fr")
    assert created
    assert (scene.slug, scene.title) == (f"panorama-{accented.public_id}", {"fr": "ü"})
    assert (scene.latitude, scene.longitude, scene.north_offset) == (None, None, 0.0)
    scene, _created = upload_scenes.scene_for_upload(session, session.merge(nameless),
                                                     language="fr")
    assert scene.title == {"fr": f"Panorama {nameless.public_id}"}


def test_a_panorama_is_tiled_again_unless_a_tiling_job_waits_or_it_was_taken_down(
        session, make_panorama):
    made = [make_panorama(),
            make_panorama(status=PanoramaStatus.FAILED, current_revision=None,
                          error_code="corrupt", error_message="broken"),
            make_panorama(status=PanoramaStatus.TAKEN_DOWN, current_revision=None),
            make_panorama(status=PanoramaStatus.TILING, current_revision=None)]
    ready, failed, down, stuck = (session.merge(panorama) for panorama in made)
    job_id = upload_scenes.retile(session, ready, max_attempts=2)
    assert session.get(Job, job_id).payload == {"panorama_id": ready.id}
    assert ready.status is PanoramaStatus.READY, "the tiles stay shown until the new revision"
    with pytest.raises(upload_scenes.TilingPending):
        upload_scenes.retile(session, ready)

    upload_scenes.retile(session, failed)
    assert (failed.status, failed.error_code, failed.error_message) == (
        PanoramaStatus.QUEUED, "", "")
    with pytest.raises(upload_scenes.TilingPending):
        upload_scenes.retile(session, failed)

    with pytest.raises(PanoramaTakenDown):
        upload_scenes.retile(session, down)

    # left "tiling" by a job that gave up without recording why: no job waits, so it is retried
    upload_scenes.retile(session, stuck)
    assert stuck.status is PanoramaStatus.QUEUED
    with pytest.raises(upload_scenes.TilingPending):
        upload_scenes.retile(session, stuck)


# --- through the API ------------------------------------------------------------------------


def test_an_upload_makes_its_scene_and_the_same_file_again_makes_none(app, client, editor):
    data = panorama_file(1, position=MARKET, heading=90)
    first = upload(client, editor, data, create_scene="true")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["created"], body["scene_created"]) == (True, True)
    assert body["job_id"] is not None
    scene = body["scene"]
    assert scene["slug"] == "markt-platz"
    assert scene["title"] == {"en": "Markt Platz"}  # the city's default language only
    assert scene["panorama"] == body["panorama"]["id"]
    assert (scene["latitude"], scene["longitude"]) == pytest.approx(MARKET, abs=1e-5)
    assert scene["north_offset"] == pytest.approx(-90)
    # the camera wrote its local time without a zone: the city's time
    with app.app_context():
        zone = ZoneInfo(city().time_zone)
    assert dt.datetime.fromisoformat(body["panorama"]["captured_at"]) == dt.datetime(
        2026, 5, 17, 14, 3, 22, tzinfo=zone)

    again = upload(client, editor, data, name="copy of it.jpg", create_scene="true")
    assert again.status_code == 200
    second = again.get_json()
    assert (second["created"], second["job_id"], second["scene_created"]) == (False, None, False)
    assert second["scene"]["id"] == scene["id"]
    assert second["panorama"]["id"] == body["panorama"]["id"]
    assert (count(app, Panorama), count(app, Scene)) == (1, 1)
    with app.app_context():
        tiling = db.session.scalars(select(Job).where(Job.kind == TILE_JOB)).all()
        assert len(tiling) == 1


def test_a_file_without_gps_or_heading_gets_a_scene_without_a_position(client, editor):
    body = upload(client, editor, panorama_file(2), name="Hof.jpg",
                  create_scene="true").get_json()
    scene = body["scene"]
    assert (scene["slug"], scene["latitude"], scene["longitude"], scene["north_offset"]) == (
        "hof", None, None, 0)


def test_files_of_the_same_name_get_their_own_scenes(client, editor):
    slugs = [upload(client, editor, panorama_file(seed), name="IMG_0001.JPG",
                    create_scene="true").get_json()["scene"]["slug"] for seed in (3, 4)]
    assert slugs == ["img-0001", "img-0001-2"]


def test_without_create_scene_no_scene_is_made_until_asked(app, client, editor):
    data = panorama_file(5)
    plain = upload(client, editor, data).get_json()
    assert (plain["scene"], plain["scene_created"]) == (None, False)
    assert count(app, Scene) == 0
    later = upload(client, editor, data, create_scene="true").get_json()
    assert (later["created"], later["scene_created"]) == (False, True)
    assert count(app, Scene) == 1


def test_a_failed_panorama_uploaded_again_is_retried_in_its_scene(app, client, editor):
    data = panorama_file(6)
    first = upload(client, editor, data, create_scene="true").get_json()
    with app.app_context():
        panorama = db.session.scalars(select(Panorama)).one()
        panorama.status = PanoramaStatus.FAILED
        db.session.execute(db.update(Job).values(status=JobStatus.FAILED))
        db.session.commit()
    again = upload(client, editor, data, create_scene="true").get_json()
    assert again["job_id"] not in (None, first["job_id"])
    assert (again["created"], again["scene_created"]) == (False, False)
    assert again["scene"]["id"] == first["scene"]["id"]
    assert again["panorama"]["status"] == "queued"


@pytest.mark.parametrize(("data", "name", "form", "status"), [
    (b"this is no image at all", "street.jpg", {"create_scene": "true"}, 415),
    (b"", "empty.jpg", {"create_scene": "true"}, 422),
    (panorama_file(7, width=1024)[:4000], "cut.jpg", {"create_scene": "true"}, 422),
    (panorama_file(8), "street.jpg", {"create_scene": "perhaps"}, 422),
])
def test_bad_uploads_are_refused_and_store_nothing(app, client, editor, data, name, form,
                                                   status):
    response = upload(client, editor, data, name=name, **form)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]
    assert (count(app, Panorama), count(app, Scene), count(app, Job)) == (0, 0, 0)
    with app.app_context():
        assert list(originals_storage().list_keys()) == []


def test_a_missing_file_is_refused(client, editor):
    response = client.post("/api/panoramas", headers=editor, data={"create_scene": "true"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]["files"]


def test_retile_queues_a_failed_panorama_again(app, client, editor, make_panorama):
    failed = make_panorama(status=PanoramaStatus.FAILED, current_revision=None,
                           error_code="tiling_failed", error_message="MemoryError")
    url = f"/api/panoramas/{failed.public_id}/retile"
    response = client.post(url, headers=editor)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["panorama"]["status"] == "queued"
    assert body["panorama"]["error_code"] == ""
    job = client.get(f"/api/jobs/{body['job_id']}", headers=editor).get_json()
    assert (job["kind"], job["status"]) == (TILE_JOB, "queued")

    busy = client.post(url, headers=editor)
    assert busy.status_code == 409
    assert "tiled already" in busy.get_json()["message"]
    assert count(app, Job) == 1


def test_retile_refuses_unknown_taken_down_and_non_editors(client, editor, auth_headers,
                                                           make_panorama):
    assert client.post("/api/panoramas/nosuchpanorama/retile",
                       headers=editor).status_code == 404
    down = make_panorama(status=PanoramaStatus.TAKEN_DOWN, current_revision=None)
    assert client.post(f"/api/panoramas/{down.public_id}/retile",
                       headers=editor).status_code == 409
    ready = make_panorama()
    owner = auth_headers(Role.SHOP_OWNER)
    assert client.post(f"/api/panoramas/{ready.public_id}/retile",
                       headers=owner).status_code == 403
    assert client.post(f"/api/panoramas/{ready.public_id}/retile").status_code in (400, 401)


def test_the_upload_page_states_the_limits_the_api_enforces(make_app, auth_headers):
    editor = auth_headers(Role.EDITOR)
    small = make_app(MAX_CONTENT_LENGTH=25 * 1024 * 1024, PANORAMA_MAX_WIDTH=8192,
                     PANORAMA_MAX_HEIGHT=4096)
    page = small.test_client().get("/edit/upload?lang=en", headers=editor)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "at most 8192 × 4096 pixels and 25 MB per file" in html
    assert "JPEG, PNG, WebP" in html
    assert '"max_bytes": 26214400' in html
    assert 'data-editor="upload"' in html
