"""A shop in the walk, for its owners (``/my/shops/<id>/walk``), the editors' queue of hotspot
requests (``/staff/moderation/hotspots``) and the hotspot editor's page."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from tests.support.accounts import page_csrf_token
from tests.support.panoramas import jpeg_bytes, textured_panorama
from tours import hotspot_requests, tour_service
from tours.models import AuditEvent, Hotspot, HotspotStatus, Role, Scene, ShopStatus, User

OWNER = "anna@shop.example"
EDITOR = "editor@city.example"


@pytest.fixture
def place(app: Flask, make_user, make_shop, make_panorama, make_scene) -> dict[str, int]:
    owner = make_user(email=OWNER, role=Role.SHOP_OWNER)
    editor = make_user(email=EDITOR, role=Role.EDITOR)
    shop = make_shop(owners=(owner,), slug="anna-books", status=ShopStatus.PUBLISHED,
                     name={"en": "Anna's Books"})
    panorama = make_panorama()
    street = make_scene(panorama, slug="street", title={"en": "Street"})
    hidden = make_scene(panorama, slug="hidden", title={"en": "Hidden"})
    with app.app_context():
        tour = tour_service.create_tour(db.session, {"slug": "old", "title": {"en": "Old"}})
        tour_service.add_stop(db.session, tour.id, {"scene_id": street.id})
        tour_service.update_tour(db.session, tour.id, {"status": "published"})
        db.session.commit()
    return {"owner": owner.id, "editor": editor.id, "shop": shop.id, "street": street.id,
            "hidden": hidden.id}


def upload(client, shop_id: int, data: bytes, name: str = "inside.jpg"):
    token = page_csrf_token(client, f"/my/shops/{shop_id}/walk")
    return client.post(f"/my/shops/{shop_id}/walk/interiors", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", follow_redirects=True)


def interiors(app: Flask, shop_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Scene.slug).where(Scene.shop_id == shop_id)
                                       .order_by(Scene.id)))


def test_an_owner_uploads_interior_panoramas(app, client, login, place):
    login(client, OWNER)
    refused = upload(client, place["shop"], jpeg_bytes(textured_panorama(512)[:200]))
    assert "not a 360° panorama" in refused.get_data(as_text=True)
    assert interiors(app, place["shop"]) == []
    first = jpeg_bytes(textured_panorama(1024, seed=1))
    answer = upload(client, place["shop"], first)
    assert "is being prepared" in answer.get_data(as_text=True)
    again = upload(client, place["shop"], first)
    assert "already an interior scene" in again.get_data(as_text=True)
    upload(client, place["shop"], jpeg_bytes(textured_panorama(1024, seed=2)))
    assert interiors(app, place["shop"]) == ["anna-books-interior", "anna-books-interior-2"]
    page = client.get(f"/my/shops/{place['shop']}/walk?lang=en").get_data(as_text=True)
    assert "Being prepared" in page
    # an interior scene is not part of the walk: the street is the only choice for requests
    assert f'<option value="{place["street"]}">Street</option>' in page
    assert "Hidden" not in page


def test_a_request_opens_the_editor_on_a_street_of_the_walk(client, login, place):
    login(client, OWNER)
    base = f"/my/shops/{place['shop']}/walk/request"
    assert client.get(f"{base}?scene={place['hidden']}").status_code == 400
    assert client.get(f"{base}?scene=abc").status_code == 400
    answer = client.get(f"{base}?scene={place['street']}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == (f"/edit/scenes/{place['street']}/hotspots"
                                          f"?shop={place['shop']}")
    editor_page = client.get(answer.headers["Location"] + "&lang=en")
    assert editor_page.status_code == 200
    assert editor_page.headers["Cache-Control"] == "no-store"
    assert "This scene is part of the public walk." in editor_page.get_data(as_text=True)
    # no mode in a scene outside the walk
    assert client.get(f"/edit/scenes/{place['hidden']}/hotspots").status_code == 403


def test_the_editor_page_waits_for_tiles(client, login, place, make_panorama, make_scene):
    pending = make_scene(make_panorama(current_revision=None, manifest=None), slug="soon")
    login(client, EDITOR)
    page = client.get(f"/edit/scenes/{pending.id}/hotspots?lang=en").get_data(as_text=True)
    assert "still being prepared" in page
    assert 'data-editor="hotspots"' not in page
    assert client.get("/edit/scenes/999999/hotspots").status_code == 404


def test_editors_decide_requests_with_the_version_they_saw(app, client, login, place):
    with app.app_context():
        owner = db.session.get(User, place["owner"])
        request = hotspot_requests.place(db.session, owner, place["street"], {
            "yaw": 5, "pitch": 0, "kind": "shop", "shop_id": place["shop"]})
        db.session.commit()
        request_id, version = request.id, request.version
    login(client, EDITOR)
    queue = client.get("/staff/moderation/hotspots?lang=en").get_data(as_text=True)
    assert "Anna&#39;s Books" in queue
    assert f"/edit/scenes/{place['street']}/hotspots?hotspot={request_id}" in queue
    token = page_csrf_token(client, "/staff/moderation/hotspots")
    url = f"/staff/moderation/hotspots/{request_id}"
    assert client.post(url, data={"csrf_token": token, "decision": "maybe"}).status_code == 400
    stale = client.post(url, data={"csrf_token": token, "decision": "approve",
                                   "version": str(version - 1)}, follow_redirects=True)
    assert "changed this request in the meantime" in stale.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "decision": "approve",
                                  "version": str(version)}).status_code == 302
    with app.app_context():
        decided = db.session.get(Hotspot, request_id)
        assert decided.status is HotspotStatus.APPROVED
        assert decided.decided_by_id == place["editor"]
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.target_type == "hotspot",
            AuditEvent.target_id == str(request_id))) == "hotspot.approved"
    assert client.post("/staff/moderation/hotspots/999999", data={
        "csrf_token": token, "decision": "approve"}).status_code == 404
