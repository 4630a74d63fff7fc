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


HUGE = "1" + "0" * 30
BEYOND_POSTGRESQL = str(2**31)


@pytest.mark.database
@pytest.mark.parametrize("number", [HUGE, BEYOND_POSTGRESQL])
@pytest.mark.parametrize("path", ["/api/scenes/{}", "/api/tours/{}", "/edit/tours/{}",
                                  "/edit/scenes/{}/hotspots", "/my/shops/{}/walk"])
def test_an_id_no_table_can_hold_names_nothing(client, auth_headers, path, number):
    """Ids in paths are 32-bit keys: a larger number is a 404, not an overflow (500)."""
    assert client.get(path.format(number), headers=auth_headers()).status_code == 404


@pytest.mark.database
@pytest.mark.parametrize("number", [10**30, 2**31])
def test_a_number_too_large_in_a_body_is_refused_not_a_crash(app, client, auth_headers, tour,
                                                             number):
    from sqlalchemy import select

    from server.extensions import db
    from tours.models import Tour

    with app.app_context():
        tour_id = db.session.scalar(select(Tour.id))
    for body in ({"stops": [{"scene_id": number}]}, {"stops": [], "cover_scene_id": number}):
        answer = client.put(f"/api/tours/{tour_id}/draft", json=body, headers=auth_headers())
        assert answer.status_code in (404, 422), answer.json
        assert answer.json["message"]
