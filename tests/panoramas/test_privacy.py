"""Privacy in the panoramas through the API: suggestions from the original, saving regions
(validation, the version guard, permissions) and the re-tiling into a blurred revision."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from media_tools.privacy import Region, pixel_box
from media_tools.projection import face_pixel
from server.extensions import db
from server.storage_setup import originals_storage, public_storage
from tests.panoramas.test_ingest import panorama_row, run_jobs, upload
from tests.support.faces import face_panorama
from tests.support.panoramas import jpeg_bytes
from tours.models import Job, PanoramaRevision, PanoramaStatus, RevisionState, Role

WIDTH = 4096


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


@pytest.fixture(scope="module")
def face_jpeg() -> tuple[bytes, tuple[int, int, int, int]]:
    image, box = face_panorama(WIDTH, x=0.3, y=0.5, size=0.025)
    return jpeg_bytes(image, quality=92), box


@pytest.fixture
def tiled_face(app, client, editor, face_jpeg) -> str:
    """A panorama with a face, uploaded and tiled; its public id."""
    response = upload(client, editor, face_jpeg[0], name="square.jpg")
    assert response.status_code == 201, response.get_json()
    run_jobs(app)
    return response.get_json()["panorama"]["id"]


def sharpness(pixels: np.ndarray) -> float:
    grey = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def stored_image(app, public_id: str, revision: str, key: str) -> np.ndarray:
    with app.app_context():
        data = public_storage().get(f"panoramas/{public_id}/{revision}/{key}")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_an_editor_blurs_a_suggested_face_into_a_new_revision(app, client, editor, tiled_face,
                                                              face_jpeg):
    public_id = tiled_face
    first = panorama_row(app, public_id)
    left, top, w, h = face_jpeg[1]

    saved = client.get(f"/api/panoramas/{public_id}/blur-regions", headers=editor)
    assert saved.status_code == 200
    state = saved.get_json()
    assert state["regions"] == []
    assert state["revision"] == first.current_revision
    assert state["picture"]["url"].endswith(f"/{first.current_revision}/sd.jpg")

    answer = client.get(f"/api/panoramas/{public_id}/blur-suggestions", headers=editor)
    assert answer.status_code == 200, answer.get_json()
    suggestions = answer.get_json()["suggestions"]
    face = [s for s in suggestions if s["kind"] == "face" and contains(s, left + w / 2,
                                                                       top + h / 2)]
    assert face, suggestions
    assert panorama_row(app, public_id).blur_regions == [], "suggestions are not saved"

    region = {key: face[0][key] for key in ("x", "y", "width", "height", "kind")}
    put = client.put(f"/api/panoramas/{public_id}/blur-regions", headers=editor,
                     json={"regions": [region], "version": state["version"]})
    assert put.status_code == 202, put.get_json()
    body = put.get_json()
    assert body["regions"] == [region]
    assert body["revision"] == first.current_revision, "the current revision stays shown"
    assert body["version"] != state["version"]
    with app.app_context():
        assert db.session.get(Job, body["job_id"]).kind == "tile_panorama"
    assert panorama_row(app, public_id).status is PanoramaStatus.READY

    # what the unblurred revision shows, read while it exists: the SD copy (and so the
    # thumbnail and share images made from it) and the tile showing the face at the top level
    before = stored_image(app, public_id, first.current_revision, "sd.jpg")
    top_level = first.manifest["levels"][-1]
    yaw = ((left + w / 2) / WIDTH - 0.5) * 360
    pitch = (0.5 - (top + h / 2) / (WIDTH / 2)) * 180
    face_name, fx, fy = face_pixel(yaw, pitch, top_level["face_size"])
    tile = first.manifest["tile_size"]
    key = f"{top_level['z']}/{face_name}/{int(fy // tile)}/{int(fx // tile)}.jpg"
    old = stored_image(app, public_id, first.current_revision, key)

    run_jobs(app)
    second = panorama_row(app, public_id)
    assert second.current_revision != first.current_revision
    assert second.blur_regions == [region]
    assert second.manifest["levels"][-1] == top_level
    with app.app_context():
        states = dict(db.session.execute(db.select(
            PanoramaRevision.revision, PanoramaRevision.state)).all())
        # the unblurred revision is gone at once, not after the sweep's grace period
        assert states[first.current_revision] is RevisionState.DELETED
        assert list(public_storage().list_keys(
            f"panoramas/{public_id}/{first.current_revision}")) == []
    sd_scale = 2048 / WIDTH
    area = (slice(round((top + h * 0.2) * sd_scale), round((top + h * 0.8) * sd_scale)),
            slice(round((left + w * 0.2) * sd_scale), round((left + w * 0.8) * sd_scale)))
    after = stored_image(app, public_id, str(second.current_revision), "sd.jpg")
    assert sharpness(after[area]) < 0.2 * sharpness(before[area])
    outside = (slice(0, 400), slice(1400, 2048))
    assert np.abs(after[outside].astype(int) - before[outside].astype(int)).mean() < 1
    radius = 0.3 * w * top_level["face_size"] / (WIDTH / 4)
    cx, cy = fx % tile, fy % tile
    in_tile = (slice(max(0, round(cy - radius)), round(cy + radius)),
               slice(max(0, round(cx - radius)), round(cx + radius)))
    new = stored_image(app, public_id, str(second.current_revision), key)
    assert sharpness(new[in_tile]) < 0.2 * sharpness(old[in_tile]), key
    # the original stays as it was uploaded
    with app.app_context():
        assert originals_storage().get(second.original_key) == face_jpeg[0]
    assert client.get(f"/api/panoramas/{public_id}/blur-regions",
                      headers=editor).get_json()["version"] != body["version"], \
        "a finished tiling changes the version (a new revision)"


def contains(suggestion: dict, x: float, y: float) -> bool:
    """Whether the suggestion holds the pixel ``x``, ``y`` of the full image."""
    left, top, columns, rows = pixel_box(Region.from_dict(suggestion), WIDTH, WIDTH // 2)
    return (x - left) % WIDTH <= columns and top <= y <= top + rows


def test_a_stale_version_is_refused_and_changes_nothing(app, client, editor, make_panorama):
    panorama = make_panorama()
    url = f"/api/panoramas/{panorama.public_id}/blur-regions"
    version = client.get(url, headers=editor).get_json()["version"]
    region = {"x": 0.1, "y": 0.4, "width": 0.02, "height": 0.03, "kind": "face"}
    assert client.put(url, headers=editor, json={"regions": [region], "version": version}
                      ).status_code == 202
    jobs_before = _count_jobs(app)
    stale = client.put(url, headers=editor, json={"regions": [], "version": version})
    assert stale.status_code == 409
    assert "changed" in stale.get_json()["message"]
    assert panorama_row(app, panorama.public_id).blur_regions == [region]
    assert _count_jobs(app) == jobs_before


def _count_jobs(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Job)) or 0


GOOD = {"x": 0.98, "y": 0.4, "width": 0.05, "height": 0.03, "kind": "plate"}


@pytest.mark.parametrize("regions", [
    "not a list",
    [{**GOOD, "x": 1.0}],
    [{**GOOD, "x": -0.1}],
    [{**GOOD, "y": 1.2}],
    [{**GOOD, "width": 0}],
    [{**GOOD, "height": -1}],
    [{**GOOD, "width": 1.5}],
    [{**GOOD, "y": 0.9, "height": 0.2}],
    [{**GOOD, "x": "NaN"}],
    [{**GOOD, "x": "abc"}],
    [{**GOOD, "kind": "cat"}],
    [{**GOOD, "colour": "red"}],
    [{key: value for key, value in GOOD.items() if key != "height"}],
    [GOOD] * 201,
    [None],
])
def test_bad_regions_are_refused_with_422(app, client, editor, make_panorama, regions):
    panorama = make_panorama()
    url = f"/api/panoramas/{panorama.public_id}/blur-regions"
    version = client.get(url, headers=editor).get_json()["version"]
    response = client.put(url, headers=editor, json={"regions": regions, "version": version})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]
    assert panorama_row(app, panorama.public_id).blur_regions == []


def test_a_region_across_the_seam_and_two_hundred_regions_are_fine(app, client, editor,
                                                                   make_panorama):
    panorama = make_panorama()
    url = f"/api/panoramas/{panorama.public_id}/blur-regions"
    version = client.get(url, headers=editor).get_json()["version"]
    response = client.put(url, headers=editor, json={"regions": [GOOD] * 200,
                                                     "version": version})
    assert response.status_code == 202, response.get_json()
    assert panorama_row(app, panorama.public_id).blur_regions[0] == GOOD


def test_a_missing_body_field_unknown_panorama_and_taken_down_panorama(app, client, editor,
                                                                      make_panorama):
    panorama = make_panorama()
    url = f"/api/panoramas/{panorama.public_id}/blur-regions"
    assert client.put(url, headers=editor, json={"regions": []}).status_code == 422
    assert client.put("/api/panoramas/nosuchpanorama/blur-regions", headers=editor,
                      json={"regions": [], "version": "x"}).status_code == 404
    assert client.get("/api/panoramas/nosuchpanorama/blur-suggestions",
                      headers=editor).status_code == 404
    gone = make_panorama(status=PanoramaStatus.TAKEN_DOWN, current_revision=None)
    version = client.get(f"/api/panoramas/{gone.public_id}/blur-regions",
                         headers=editor).get_json()["version"]
    assert client.put(f"/api/panoramas/{gone.public_id}/blur-regions", headers=editor,
                      json={"regions": [], "version": version}).status_code == 409
    assert client.get(f"/api/panoramas/{gone.public_id}/blur-suggestions",
                      headers=editor).status_code == 409


def test_suggestions_without_an_original_are_a_clear_conflict(client, editor, make_panorama):
    panorama = make_panorama()
    response = client.get(f"/api/panoramas/{panorama.public_id}/blur-suggestions",
                          headers=editor)
    assert response.status_code == 409
    assert "original" in response.get_json()["message"]


def test_suggestions_without_a_detector_are_503(client, editor, tiled_face, monkeypatch):
    from media_tools import privacy

    missing = ("no-such-cascade.xml", "face", (20, 20), 4, False)
    monkeypatch.setattr(privacy, "_CASCADES", (missing,))
    response = client.get(f"/api/panoramas/{tiled_face}/blur-suggestions", headers=editor)
    assert response.status_code == 503
    assert "by hand" in response.get_json()["message"]


@pytest.mark.parametrize("role", [Role.SHOP_OWNER, None])
def test_only_editors_see_and_change_regions(client, auth_headers, make_panorama, role):
    panorama = make_panorama()
    headers = auth_headers(role) if role else {}
    base = f"/api/panoramas/{panorama.public_id}"
    expected = 403 if role else 401
    assert client.get(f"{base}/blur-regions", headers=headers).status_code == expected
    assert client.get(f"{base}/blur-suggestions", headers=headers).status_code == expected
    assert client.put(f"{base}/blur-regions", headers=headers,
                      json={"regions": [], "version": "x"}).status_code in (expected, 400)


def test_the_privacy_page_is_for_editors(app, client, editor, make_panorama, login, make_user):
    panorama = make_panorama()
    page = client.get(f"/edit/panoramas/{panorama.public_id}/privacy", headers=editor)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'data-editor="privacy"' in html
    assert client.get("/edit/panoramas/nosuchpanorama/privacy",
                      headers=editor).status_code == 404
    owner = client.get(f"/edit/panoramas/{panorama.public_id}/privacy",
                       headers=auth_headers_of(app, make_user, Role.SHOP_OWNER))
    assert owner.status_code == 403


def auth_headers_of(app, make_user, role):
    from tests.support.accounts import bearer_headers

    return bearer_headers(app, make_user(email=f"{role.value}@example.org", role=role))


def test_the_reports_page_links_each_reported_panorama_to_its_privacy_page(
        app, client, editor, make_panorama, make_scene):
    from tours import image_reports
    from tours.models import Scene

    panorama = make_panorama()
    scene = make_scene(panorama)
    with app.app_context():
        image_reports.create_report(db.session, db.session.get(Scene, scene.id),
                                    {"reason": "person"})
        db.session.commit()
    html = client.get("/staff/moderation/reports", headers=editor).get_data(as_text=True)
    assert f'href="/edit/panoramas/{panorama.public_id}/privacy"' in html


def test_the_share_image_of_the_unblurred_revision_goes_with_it(app, client, editor,
                                                                  tiled_face):
    """Share images are rendered from a revision's SD copy: the one showing the face is
    deleted with its revision, and the scene gets one from the blurred revision."""
    from tests.support.content import create_scene
    from tours.models import Scene

    first = panorama_row(app, tiled_face)
    scene = create_scene(app, first)
    run_jobs(app)
    with app.app_context():
        old_key = db.session.get(Scene, scene.id).share_image_key
        assert old_key is not None
        assert public_storage().exists(old_key)
    state = client.get(f"/api/panoramas/{tiled_face}/blur-regions", headers=editor).get_json()
    region = {"x": 0.29, "y": 0.47, "width": 0.03, "height": 0.06, "kind": "face"}
    put = client.put(f"/api/panoramas/{tiled_face}/blur-regions", headers=editor,
                     json={"regions": [region], "version": state["version"]})
    assert put.status_code == 202, put.get_json()
    run_jobs(app)
    with app.app_context():
        shown = db.session.get(Scene, scene.id)
        assert not public_storage().exists(old_key)
        assert shown.share_image_key not in (None, old_key)
        assert public_storage().exists(shown.share_image_key)
        # derived data: the editor's next save of the scene is no conflict
        assert shown.version == scene.version


def test_two_editors_saving_regions_at_the_same_moment_the_second_is_refused(app, tiled_face):
    """Both pass the version check on what they read; the first save moves the row on, so
    the second's compare-and-set updates nothing and is refused: nothing of the first is
    lost."""
    import datetime as dt

    from sqlalchemy import select, update

    from tours import panorama_privacy
    from tours.models import Panorama

    first_region = {"x": 0.1, "y": 0.4, "width": 0.02, "height": 0.04, "kind": "face"}
    second_region = {"x": 0.6, "y": 0.4, "width": 0.02, "height": 0.04, "kind": "plate"}
    with app.app_context():
        # the second editor's request has read the panorama and checked the version on it
        mine = db.session.scalar(select(Panorama).where(Panorama.public_id == tiled_face))
        version = panorama_privacy.privacy_version(mine)
        # meanwhile the first editor's save is committed (this copy does not see it)
        db.session.execute(
            update(Panorama).where(Panorama.id == mine.id)
            .values(blur_regions=[first_region],
                    updated_at=mine.updated_at + dt.timedelta(seconds=1))
            .execution_options(synchronize_session=False))
        assert panorama_privacy.privacy_version(mine) == version, "this copy is stale"
        with pytest.raises(panorama_privacy.PrivacyConflict):
            panorama_privacy.set_blur_regions(db.session, tiled_face, [second_region],
                                              version=version)
        db.session.expire_all()
        assert db.session.get(Panorama, mine.id).blur_regions == [first_region]
