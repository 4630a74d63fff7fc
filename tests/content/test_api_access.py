"""Who may use the content endpoints: editors and admins; nobody else.

The matrix is generated from the URL map, so an endpoint added later under these prefixes is
covered without touching this file.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from server.extensions import db
from tests.support.accounts import page_csrf_token
from tours import hotspots, links, tour_service
from tours.models import Role

CONTENT_PREFIXES = ("/api/scenes", "/api/links", "/api/hotspots", "/api/tours", "/api/stops",
                    "/api/panoramas")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: the endpoints of the content issue; the URL map must hold at least these
EXPECTED = {
    ("GET", "/api/scenes"), ("POST", "/api/scenes"),
    ("GET", "/api/scenes/<int:scene_id>"), ("PATCH", "/api/scenes/<int:scene_id>"),
    ("DELETE", "/api/scenes/<int:scene_id>"),
    ("GET", "/api/scenes/<int:scene_id>/links"), ("POST", "/api/scenes/<int:scene_id>/links"),
    ("PATCH", "/api/links/<int:link_id>"), ("DELETE", "/api/links/<int:link_id>"),
    ("GET", "/api/scenes/<int:scene_id>/hotspots"),
    ("POST", "/api/scenes/<int:scene_id>/hotspots"),
    ("PATCH", "/api/hotspots/<int:hotspot_id>"), ("DELETE", "/api/hotspots/<int:hotspot_id>"),
    ("GET", "/api/tours"), ("POST", "/api/tours"),
    ("GET", "/api/tours/<int:tour_id>"), ("PATCH", "/api/tours/<int:tour_id>"),
    ("DELETE", "/api/tours/<int:tour_id>"),
    ("GET", "/api/tours/<int:tour_id>/stops"), ("POST", "/api/tours/<int:tour_id>/stops"),
    ("PUT", "/api/tours/<int:tour_id>/stops/order"),
    ("PATCH", "/api/stops/<int:stop_id>"), ("DELETE", "/api/stops/<int:stop_id>"),
    ("GET", "/api/panoramas"), ("GET", "/api/panoramas/<string:panorama_id>"),
    ("PATCH", "/api/panoramas/<string:panorama_id>"),
}
#: reads that this module's world refuses for its content, never for the caller
GET_REFUSED_FOR_CONTENT = {("GET", "/api/tours/<int:tour_id>/export"): {409},
                           # the world's panorama has no original to look for faces in
                           ("GET", "/api/panoramas/<string:panorama_id>/blur-suggestions"):
                           {409},
                           # the world's fake manifest has no SD image for Pannellum to show
                           ("GET", "/api/tours/<int:tour_id>/pannellum"): {409}}


def content_operations(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) under the content prefixes; deletions last (a part, such as a
    hotspot's image, before what it belongs to), so the other requests find the content in
    place."""
    operations = [(method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(CONTENT_PREFIXES)
                  for method in (rule.methods or set()) - IGNORED_METHODS]
    return sorted(operations, key=lambda operation: (
        operation[0] == "DELETE", -operation[1].count("/") if operation[0] == "DELETE" else 0,
        operation))


@pytest.fixture
def content(app, make_panorama, make_scene, make_shop) -> dict[str, object]:
    """One of everything, as URL parameter values."""
    panorama = make_panorama()
    shop = make_shop()
    market = make_scene(panorama, slug="market-square")
    hall = make_scene(panorama, slug="town-hall")
    with app.app_context():
        link, _back = links.add_link(db.session, market.id, {"to_scene_id": hall.id,
                                                              "bearing": 90})
        hotspot = hotspots.add_hotspot(db.session, market.id, {
            "yaw": 0, "pitch": 0, "kind": "shop", "shop_id": shop.id})
        tour = tour_service.create_tour(db.session, {"slug": "old-town",
                                                     "title": {"en": "Old town"}})
        stop = tour_service.add_stop(db.session, tour.id, {"scene_id": hall.id})
        db.session.commit()
        return {"scene_id": market.id, "link_id": link.id, "hotspot_id": hotspot.id,
                "tour_id": tour.id, "stop_id": stop.id, "panorama_id": panorama.public_id}


def url_for_rule(rule: str, values: dict[str, object]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: str(values[match.group(1)]), rule)


def test_the_matrix_sees_every_content_endpoint(app):
    assert set(content_operations(app)) >= EXPECTED


def test_anonymous_requests_are_refused_with_401(app, client, content):
    csrf = page_csrf_token(client, "/login")  # so that changes reach the role check
    answers = {f"{method} {rule}": client.open(url_for_rule(rule, content), method=method,
                                               json={}, headers={"X-CSRFToken": csrf}
                                               ).status_code
               for method, rule in content_operations(app)}
    assert {operation for operation, status in answers.items() if status != 401} == set()


def test_shop_owners_are_refused_with_403(app, client, content, auth_headers):
    headers = auth_headers(Role.SHOP_OWNER)
    answers = {f"{method} {rule}": client.open(url_for_rule(rule, content), method=method,
                                               json={}, headers=headers).status_code
               for method, rule in content_operations(app)}
    assert {operation for operation, status in answers.items() if status != 403} == set()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_editors_and_admins_may_use_every_endpoint(app, client, content, auth_headers, role):
    """Reads succeed; changes with an empty body succeed or are refused for their content
    (422, or 409 for a scene still used by a tour), never for the caller."""
    headers = auth_headers(role)
    refused = {}
    for method, rule in content_operations(app):
        status = client.open(url_for_rule(rule, content), method=method, json={},
                             headers=headers).status_code
        # 202: queued (re-tiling a panorama)
        allowed = {200} if method == "GET" else {200, 201, 202, 204, 409, 422}
        # the world's panoramas have no original in storage: a tour of them cannot be exported
        allowed |= GET_REFUSED_FOR_CONTENT.get((method, rule), set())
        if status not in allowed:
            refused[f"{method} {rule}"] = status
    assert refused == {}


def test_a_signed_in_editor_needs_the_csrf_token_for_changes(client, make_user, login,
                                                             make_scene):
    scene = make_scene()
    make_user(email="anna@city.example")
    login(client, "anna@city.example")
    assert client.get(f"/api/scenes/{scene.id}").status_code == 200
    change = {"title": {"en": "Square"}}
    assert client.patch(f"/api/scenes/{scene.id}", json=change).status_code == 400
    accepted = client.patch(f"/api/scenes/{scene.id}", json=change,
                            headers={"X-CSRFToken": page_csrf_token(client)})
    assert accepted.status_code == 200
    assert accepted.get_json()["title"] == {"en": "Square"}
