"""The tour editor's pages: the list, a new tour, the import form, the editor and preview."""

from __future__ import annotations

import io

import pytest

from tours import tour_service
from tours.models import Role


@pytest.fixture
def editor_client(app, client, make_user, login):
    make_user(email="ed@example.org", role=Role.EDITOR)
    login(client, "ed@example.org")
    return client


def csrf(client, path="/edit/tours"):
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_list_creates_a_draft_and_opens_its_editor(editor_client):
    listed = editor_client.get("/edit/tours")
    assert listed.status_code == 200
    assert listed.headers["Cache-Control"] == "no-store"
    token = csrf(editor_client)
    made = editor_client.post("/edit/tours", data={"csrf_token": token, "slug": "old-town",
                                                   "title": "Old town"})
    assert made.status_code == 303
    page = editor_client.get(made.headers["Location"])
    assert page.status_code == 200
    assert 'data-editor="tour"' in page.get_data(as_text=True)
    again = editor_client.post("/edit/tours", data={"csrf_token": token, "slug": "old-town",
                                                    "title": "Twice"})
    assert again.status_code == 409
    assert 'value="Twice"' in again.get_data(as_text=True)
    bad = editor_client.post("/edit/tours", data={"csrf_token": token, "slug": "X!",
                                                  "title": "Bad"})
    assert bad.status_code == 422


def test_the_import_form_refuses_what_it_cannot_import(editor_client):
    token = csrf(editor_client)
    missing = editor_client.post("/edit/tours/import", data={"csrf_token": token},
                                 content_type="multipart/form-data")
    assert missing.status_code == 400
    broken = editor_client.post("/edit/tours/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"not a zip"), "tour.zip")},
        content_type="multipart/form-data")
    assert broken.status_code == 422
    assert 'id="tour-import-error"' in broken.get_data(as_text=True)


def test_the_preview_shows_the_draft_not_the_published_copy(app, editor_client, make_scene):
    scene = make_scene(slug="market", title={"en": "Market"})
    with app.app_context():
        from server.extensions import db
        tour = tour_service.create_tour(db.session, {"slug": "old-town",
                                                     "title": {"en": "Published title"}})
        tour_service.add_stop(db.session, tour.id, {"scene_id": scene.id})
        tour_service.publish_tour(db.session, tour.id)
        tour_service.update_tour(db.session, tour.id, {"title": {"en": "Draft title"}})
        db.session.commit()
        tour_id = tour.id
    preview = editor_client.get(f"/edit/tours/{tour_id}/preview?lang=en")
    assert preview.status_code == 200
    assert preview.headers["X-Robots-Tag"] == "noindex"
    assert preview.headers["Cache-Control"] == "no-store"
    assert "Draft title" in preview.get_data(as_text=True)
    assert editor_client.get("/api/walk/tours/old-town?lang=en").get_json()["title"] == \
        "Published title"
    assert editor_client.get("/edit/tours/99999/preview").status_code == 404
    assert editor_client.get("/edit/tours/99999").status_code == 404
    assert editor_client.get(f"/edit/tours/scenes/{scene.id}/view").get_json()["id"] == \
        scene.id
    assert editor_client.get("/edit/tours/scenes/99999/view").status_code == 404
