"""Visitors report an image; editors dismiss the report or take the panorama down, which
removes it from the walk at once and deletes its original and every revision from storage."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select

from server.extensions import db
from server.storage import StorageError
from server.storage_setup import originals_storage, public_storage
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tests.support.uploads import multipart
from tours.models import (
    AuditEvent,
    ImageReport,
    Job,
    Panorama,
    PanoramaRevision,
    PanoramaStatus,
    ReportStatus,
    RevisionState,
    Role,
    Scene,
)

VIEW = {"yaw": 12.5, "pitch": -4.0, "zoom": 60.0}
URL = "/api/walk/scenes/{}/reports"


def report(client, scene="market", *, headers=None, environ_base=None, **body):
    return client.post(URL.format(scene), json={"reason": "person", "view": VIEW, **body},
                       headers=headers or {}, environ_base=environ_base or {})


def reports(app) -> list[ImageReport]:
    with app.app_context():
        found = list(db.session.scalars(select(ImageReport).order_by(ImageReport.id)))
        db.session.expunge_all()
        return found


# --- visitors --------------------------------------------------------------------------------


def test_a_visitor_reports_the_image_shown(app, client, walk):
    response = report(client, comment="My face, by the fountain")
    assert response.status_code == 201
    assert response.json["message"] == ("Thank you. The city's editors will look at this "
                                         "image soon.")
    assert "Set-Cookie" not in response.headers  # no session is made for a visitor
    [stored] = reports(app)
    assert stored.reason.value == "person"
    assert stored.comment == "My face, by the fountain"
    assert stored.view == VIEW
    assert stored.status is ReportStatus.OPEN
    assert stored.panorama_id == walk.panorama.id
    assert stored.revision == walk.panorama.current_revision


def test_the_confirmation_is_translated(client, walk):
    response = client.post(URL.format("market") + "?lang=de",
                           json={"reason": "other"}, headers={"Accept-Language": "de"})
    assert response.status_code == 201
    assert response.json["message"]  # the catalogue decides the words; never empty


def test_no_address_or_identity_is_stored(app, client, walk):
    response = client.post(URL.format("market"), json={"reason": "licence_plate"},
                           environ_base={"REMOTE_ADDR": "203.0.113.77"},
                           headers={"User-Agent": "Tracker/1.0"})
    assert response.status_code == 201
    columns = {column.key for column in inspect(ImageReport).columns}
    assert not columns & {"ip", "address", "remote_addr", "user_agent", "client", "user_id"}
    with app.app_context():
        row = db.session.execute(select(ImageReport.__table__)).one()
    assert not any("203.0.113" in str(value) or "Tracker" in str(value) for value in row)


@pytest.mark.parametrize("body", [
    {"reason": "ugly"},
    {},
    {"reason": "person", "comment": "x" * 1001},
    {"reason": "person", "comment": "bell\x07"},
    {"reason": "person", "view": {"yaw": 200, "pitch": 0, "zoom": 50}},
    {"reason": "person", "view": {"yaw": 0, "pitch": -91, "zoom": 50}},
    {"reason": "person", "view": {"yaw": 0, "pitch": 0, "zoom": 101}},
    {"reason": "person", "view": {"yaw": "left", "pitch": 0, "zoom": 50}},
    {"reason": "person", "view": {"yaw": 0, "pitch": 0}},
    {"reason": "person", "where": "here"},
])
def test_bad_reports_are_refused_with_422(app, client, walk, body):
    response = client.post(URL.format("market"), json=body)
    assert response.status_code == 422, response.json
    assert response.json["message"]
    assert reports(app) == []


def test_non_finite_view_numbers_are_refused(app, client, walk):
    response = client.post(URL.format("market"), data='{"reason": "person", "view": '
                           '{"yaw": NaN, "pitch": 0, "zoom": 50}}',
                           content_type="application/json")
    assert response.status_code in (400, 422)
    assert reports(app) == []


@pytest.mark.parametrize("scene", ["hidden", "unready", "no-such-scene"])
def test_scenes_visitors_cannot_open_answer_404(app, client, walk, scene):
    assert report(client, scene).status_code == 404
    assert reports(app) == []


def test_a_form_post_or_a_cross_site_request_is_refused(app, client, walk):
    assert client.post(URL.format("market"), data={"reason": "person"}).status_code == 415
    assert report(client, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert report(client, headers={"Origin": "https://evil.example"}).status_code == 403
    assert report(client, headers={"Origin": "http://localhost",
                                   "Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert len(reports(app)) == 1


def test_reports_are_limited_per_client(make_app, walk):
    app = make_app(IMAGE_REPORT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    one = {"REMOTE_ADDR": "198.51.100.1"}
    assert report(client, environ_base=one).status_code == 201
    assert report(client, environ_base=one).status_code == 201
    refused = report(client, environ_base=one)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json["message"] == ("You have sent several reports in a short time. "
                                       "Please try again later.")
    # another client is not affected
    assert report(client, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 201
    assert len(reports(app)) == 3


# --- editors ---------------------------------------------------------------------------------


@pytest.fixture
def stored(app, walk):
    """Objects of the walk's panorama in both storages (two revisions, share images of two
    scenes) and of another panorama, which must survive its neighbour's takedown."""
    panorama = walk.panorama
    older = "20250101T000000-aaaaaa"
    with app.app_context():
        public, originals = public_storage(), originals_storage()
        db.session.add(PanoramaRevision(panorama_id=panorama.id, revision=older,
                                        state=RevisionState.RETIRED))
        for revision in (panorama.current_revision, older):
            for key in ("manifest.json", "0/f/0/0.jpg", "1/u/0/1.jpg", "sd.jpg"):
                public.put(f"panoramas/{panorama.public_id}/{revision}/{key}", b"x")
        # a revision whose tiling crashed before its row existed is under the prefix too
        public.put(f"panoramas/{panorama.public_id}/20240101T000000-bbbbbb/0/f/0/0.jpg", b"x")
        originals.put(panorama.original_key, b"original")
        for slug in ("market", "hall"):
            key = f"scenes/{slug}/share-1.jpg"
            public.put(key, b"share")
            scene = db.session.scalar(select(Scene).where(Scene.slug == slug))
            scene.share_image_key = key
            scene.share_image_view = scene.initial_view.as_dict()
        public.put("panoramas/zzzzzzzzzzzz/20250101T000000-cccccc/manifest.json", b"other")
        originals.put("panoramas/ab/other.jpeg", b"other original")
        db.session.commit()
    return panorama


def keys(app) -> tuple[list[str], list[str]]:
    with app.app_context():
        return sorted(public_storage().list_keys()), sorted(originals_storage().list_keys())


def open_report(app, client, scene="market") -> int:
    assert report(client, scene).status_code == 201
    return reports(app)[-1].id


def test_the_queue_is_for_editors_only(app, client, walk, auth_headers):
    open_report(app, client)
    assert client.get("/staff/moderation/reports").status_code == 302  # to sign in
    owner = auth_headers(Role.SHOP_OWNER)
    assert client.get("/staff/moderation/reports", headers=owner).status_code == 403
    page = client.get("/staff/moderation/reports", headers=auth_headers())
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Market square" in html
    assert "A person can be recognised" in html
    # the link opens the walk at the reported view
    assert "/tours/old-town/market?yaw=12.5&amp;pitch=-4.0&amp;zoom=60.0" in html


def test_dismissing_keeps_the_image(app, client, walk, stored, auth_headers):
    report_id = open_report(app, client)
    before = keys(app)
    editor = auth_headers()
    response = client.post(f"/staff/moderation/reports/{report_id}",
                           data={"decision": "dismiss"}, headers=editor)
    assert response.status_code == 302
    [decided] = reports(app)
    assert decided.status is ReportStatus.DISMISSED
    assert decided.decided_by_id is not None
    assert decided.decided_at is not None
    assert keys(app) == before
    assert client.get("/api/walk/scenes/market").status_code == 200
    # deciding again is refused with a message, not an error
    again = client.post(f"/staff/moderation/reports/{report_id}",
                        data={"decision": "take_down"}, headers=editor)
    assert again.status_code == 302
    assert client.get("/api/walk/scenes/market").status_code == 200


def test_taking_down_deletes_every_object_and_leaves_the_walk(app, client, walk, stored,
                                                              auth_headers):
    report_id = open_report(app, client)
    second = open_report(app, client, "hall")
    public_before, originals_before = keys(app)
    prefix = f"panoramas/{stored.public_id}/"
    assert len([key for key in public_before if key.startswith(prefix)]) == 9
    assert stored.original_key in originals_before

    response = client.post(f"/staff/moderation/reports/{report_id}",
                           data={"decision": "take_down"}, headers=auth_headers())
    assert response.status_code == 302

    public_after, originals_after = keys(app)
    assert not [key for key in public_after if key.startswith(prefix)]
    assert stored.original_key not in originals_after
    assert "scenes/market/share-1.jpg" not in public_after
    assert "scenes/hall/share-1.jpg" not in public_after
    # the neighbour's objects stay
    assert "panoramas/zzzzzzzzzzzz/20250101T000000-cccccc/manifest.json" in public_after
    assert "panoramas/ab/other.jpeg" in originals_after
    # every scene showing it leaves the walk; the tour has no stop left to show
    for slug in ("market", "hall", "lane", "far"):
        assert client.get(f"/api/walk/scenes/{slug}").status_code == 404
    assert client.get("/tours/old-town/market").status_code == 404
    with app.app_context():
        panorama = db.session.get(Panorama, stored.id)
        assert panorama.status is PanoramaStatus.TAKEN_DOWN
        assert panorama.current_revision is None
        assert panorama.manifest is None
        assert panorama.purged_at is not None
        assert {revision.state for revision in panorama.revisions} == {RevisionState.DELETED}
        market = db.session.scalar(select(Scene).where(Scene.slug == "market"))
        assert market.share_image_key is None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"panorama.taken_down", "panorama.purged"} <= actions
    # the other report of the same image is closed with it
    assert {found.id: found.status for found in reports(app)} == {
        report_id: ReportStatus.TAKEN_DOWN, second: ReportStatus.TAKEN_DOWN}


def test_a_storage_failure_leaves_it_down_and_the_purge_retried(app, client, walk, stored,
                                                                auth_headers, monkeypatch):
    report_id = open_report(app, client)
    with app.app_context():
        storage = public_storage()

    def broken(prefix):
        raise StorageError("public storage unavailable")

    monkeypatch.setattr(storage, "delete_prefix", broken)
    editor = auth_headers()
    response = client.post(f"/staff/moderation/reports/{report_id}",
                           data={"decision": "take_down"}, headers=editor,
                           follow_redirects=True)
    assert "could not all be deleted yet" in response.get_data(as_text=True)
    assert "Delete the files now" in response.get_data(as_text=True)
    assert client.get("/api/walk/scenes/market").status_code == 404
    with app.app_context():
        panorama = db.session.get(Panorama, stored.id)
        assert panorama.status is PanoramaStatus.TAKEN_DOWN
        assert panorama.purged_at is None
        assert panorama.current_revision is None
        assert db.session.scalar(select(Job).where(Job.kind == "purge_panorama")) is not None
        assert "panorama.purge_failed" in set(db.session.scalars(select(AuditEvent.action)))
    # storage is back: the editor tries again (the queued job would do the same)
    monkeypatch.undo()
    retried = client.post(f"/staff/moderation/takedowns/{stored.public_id}/purge",
                          headers=editor)
    assert retried.status_code == 302
    public_after, originals_after = keys(app)
    assert not [key for key in public_after if key.startswith(f"panoramas/{stored.public_id}/")]
    assert stored.original_key not in originals_after


def test_the_purge_job_finishes_a_failed_purge(app, client, walk, stored, auth_headers,
                                               monkeypatch):
    from server.takedowns import run_purge

    report_id = open_report(app, client)
    with app.app_context():
        storage = originals_storage()
    monkeypatch.setattr(storage, "exists", lambda key: (_ for _ in ()).throw(
        StorageError("originals storage unavailable")))
    client.post(f"/staff/moderation/reports/{report_id}", data={"decision": "take_down"},
                headers=auth_headers())
    monkeypatch.undo()

    with app.app_context():
        context = SimpleNamespace(payload={"panorama_id": stored.id}, session=db.session)
        run_purge(context)  # type: ignore[arg-type]
        db.session.commit()
        assert db.session.get(Panorama, stored.id).purged_at is not None
    assert stored.original_key not in keys(app)[1]


def test_the_same_file_cannot_be_uploaded_back(app, client, auth_headers):
    """Content addressing would revive a taken-down panorama; its row refuses the file for
    everyone, editors included, and it is never queued for tiling again."""
    from tours import image_reports, ingest
    from tours.models import User

    data = jpeg_bytes(textured_panorama(1024))
    editor = auth_headers()
    first = multipart(client, "/api/panoramas", {"file": (data, "pano.jpg")}, headers=editor)
    assert first.status_code == 201, first.json
    with app.app_context():
        panorama = db.session.scalar(select(Panorama))
        assert panorama.sha256 == hashlib.sha256(data).hexdigest()
        db.session.add(ImageReport(panorama=panorama, reason="copyright"))
        db.session.flush()
        editor_user = db.session.scalar(select(User).where(User.role == Role.EDITOR))
        image_reports.take_down(db.session, editor_user, db.session.scalar(select(ImageReport.id)))
        db.session.commit()
        panorama_id = panorama.id
    again = multipart(client, "/api/panoramas", {"file": (data, "pano.jpg")}, headers=editor)
    assert again.status_code == 409
    assert "taken down" in again.json["message"]
    with app.app_context():
        panorama = db.session.get(Panorama, panorama_id)
        assert panorama.status is PanoramaStatus.TAKEN_DOWN
        assert len(db.session.scalars(select(Job).where(Job.kind == "tile_panorama")).all()) == 1
        with pytest.raises(ingest.PanoramaTakenDown):
            ingest.queue_tiling(db.session, panorama)


def test_a_tiling_finishing_after_the_takedown_does_not_revive_it(app, make_panorama):
    """The tiler's last step refuses a taken-down panorama and its failure keeps it down; the
    sweep keeps the row (the tombstone that refuses the same file)."""
    import datetime as dt

    from tours import ingest

    with app.app_context():
        panorama = db.session.get(Panorama, make_panorama().id)
        revision = ingest.start_revision(db.session, panorama, "20270101T000000-dddddd")
        panorama.status = PanoramaStatus.TAKEN_DOWN
        panorama.current_revision = None
        with pytest.raises(ingest.PanoramaTakenDown):
            ingest.finish_revision(db.session, revision, {"levels": []})
        ingest.record_tiling_failure(db.session, panorama, "tiling_failed", "x", final=True)
        assert panorama.status is PanoramaStatus.TAKEN_DOWN
        assert revision.state is RevisionState.BUILDING  # the sweep removes its objects
        db.session.flush()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        assert panorama not in ingest.unused_panoramas(db.session, grace=dt.timedelta(hours=1),
                                                       now=later)
