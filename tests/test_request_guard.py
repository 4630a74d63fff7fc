"""Paths with a control character name nothing: 404 before any database lookup (PostgreSQL
cannot even be asked about a NUL), as JSON under ``/api/``."""

from __future__ import annotations

import pytest

PAGES = ["/tours/a%00b", "/tours/old-town/a%00b", "/embed/tours/a%00b", "/text/tours/a%00b",
         "/shops/a%00b", "/shops/a%01b.jsonld", "/imprint%00", "/tours/old-town%0a"]
API = ["/api/walk/tours/a%00b", "/api/walk/scenes/a%00b", "/api/walk/tours/a%00b/plan",
       "/api/shops/a%00b", "/api/walk/tours/old-town%7f"]


@pytest.fixture
def tour(app, make_scene, database_url):
    """A published tour, so a slug next to a real one is tried too."""
    from server.extensions import db
    from tours import tour_service

    scene = make_scene(slug="market")
    with app.app_context():
        made = tour_service.create_tour(db.session, {
            "slug": "old-town", "title": {"en": "Old town"}})
        tour_service.add_stop(db.session, made.id, {"scene_id": scene.id})
        tour_service.publish_tour(db.session, made.id)
        db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_a_page_address_with_a_control_character_is_not_found(client, tour, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", API)
def test_an_api_address_with_a_control_character_is_a_json_404(client, tour, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.get_json()["code"] == 404
