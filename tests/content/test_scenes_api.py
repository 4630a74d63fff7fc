"""``/api/scenes``, ``/api/links`` and ``/api/hotspots``: round trips, versions, errors."""

from __future__ import annotations

import json

import pytest

from tests.support.pseudo_locale import pseudo_translations
from tours import scenes
from tours.models import Role, Scene


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


@pytest.fixture
def panorama(make_panorama):
    return make_panorama()


def new_scene(client, editor, panorama, **fields):
    body = {"slug": "market-square", "panorama": panorama.public_id,
            "title": {"de": "Marktplatz", "en": "Market square"}, **fields}
    response = client.post("/api/scenes", json=body, headers=editor)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_scene_round_trip(client, editor, panorama):
    created = new_scene(client, editor, panorama, latitude=48.137, longitude=11.575,
                        initial_view={"yaw": 180, "pitch": -10, "zoom": 40})
    assert created["panorama"] == panorama.public_id
    assert created["initial_view"] == {"yaw": -180.0, "pitch": -10.0, "zoom": 40.0}
    assert created["version"] == 1
    assert created["share_image_is_stale"] is True
    url = f"/api/scenes/{created['id']}"

    fetched = client.get(url, headers=editor)
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.get_json() == created

    changed = client.patch(url, json={"description": {"fr": "La place"}, "level": "EG"},
                           headers={**editor, "If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'
    body = changed.get_json()
    assert (body["description"], body["level"], body["title"]["de"]) == (
        {"fr": "La place"}, "EG", "Marktplatz")

    listed = client.get("/api/scenes?page=1&page_size=10", headers=editor)
    assert [scene["id"] for scene in listed.get_json()] == [created["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1

    assert client.delete(url, headers={**editor, "If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=editor).status_code == 404


def test_a_stale_version_is_answered_with_409(client, editor, panorama):
    scene = new_scene(client, editor, panorama)
    url = f"/api/scenes/{scene['id']}"
    assert client.patch(url, json={"title": {"en": "First"}, "version": 1},
                        headers=editor).status_code == 200
    for attempt in ({"json": {"title": {"en": "Second"}, "version": 1}},
                    {"json": {"title": {"en": "Second"}}, "headers": {"If-Match": '"1"'}},
                    {"json": {"title": {"en": "Second"}, "version": 2},
                     "headers": {"If-Match": '"1"'}}):
        headers = {**editor, **attempt.get("headers", {})}
        refused = client.patch(url, json=attempt["json"], headers=headers)
        assert refused.status_code == 409
        assert refused.get_json()["code"] == 409
    assert client.delete(url, headers={**editor, "If-Match": '"1"'}).status_code == 409
    assert client.delete(f"{url}?version=1", headers=editor).status_code == 409
    assert client.get(url, headers=editor).get_json()["title"] == {"en": "First"}
    malformed = client.patch(url, json={}, headers={**editor, "If-Match": "tuesday"})
    assert malformed.status_code == 400


@pytest.mark.parametrize(("body", "errors"), [
    ({"initial_view": {"yaw": 400, "pitch": 0, "zoom": 50}},
     {"initial_view": {"yaw": ["Enter a value from -180 to 180."]}}),
    ({"title": {"xx": "Unknown"}}, {"title": {"xx": ["Unknown field."]}}),
    ({"slug": "Not A Slug"},
     {"slug": ["Use 3 to 80 characters: lower-case letters a–z, digits and hyphens."]}),
    ({"panorama": "nosuchpanorama"},
     {"panorama": ["There is no panorama with the id nosuchpanorama."]}),
    ({"latitude": 48.1}, {"longitude": ["Give both latitude and longitude, or neither."]}),
    ({"title": {}}, {"title": ["Enter the text in at least one language."]}),
])
def test_bad_scene_input_is_answered_with_422_and_field_errors(client, editor, panorama, body,
                                                               errors):
    base = {"slug": "market-square", "panorama": panorama.public_id,
            "title": {"en": "Market square"}}
    response = client.post("/api/scenes", json={**base, **body}, headers=editor)
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["code"] == 422
    assert answer["errors"] == {"json": errors}


def test_taken_slugs_and_unknown_ids(client, editor, panorama):
    new_scene(client, editor, panorama)
    taken = client.post("/api/scenes", json={"slug": "market-square",
                                             "panorama": panorama.public_id,
                                             "title": {"en": "Again"}}, headers=editor)
    assert taken.status_code == 409
    assert list(taken.get_json()["errors"]["json"]) == ["slug"]
    for method, url in (("GET", "/api/scenes/999999"), ("PATCH", "/api/scenes/999999"),
                        ("DELETE", "/api/scenes/999999"), ("GET", "/api/scenes/999999/links"),
                        ("POST", "/api/scenes/999999/hotspots"),
                        ("PATCH", "/api/links/999999"), ("DELETE", "/api/hotspots/999999")):
        response = client.open(url, method=method, json={}, headers=editor)
        if method == "POST":  # the body is checked before the scene is looked up
            response = client.open(url, method=method, headers=editor, json={
                "yaw": 0, "pitch": 0, "kind": "shop", "shop_id": 1})
        assert response.status_code == 404, (method, url)
        assert response.get_json()["code"] == 404


def test_domain_messages_go_through_translation(client, editor, panorama, monkeypatch):
    pseudo_translations(monkeypatch)
    response = client.post("/api/scenes", json={
        "slug": "market-square", "panorama": panorama.public_id, "title": {"en": "x"},
        "initial_view": {"yaw": 0, "pitch": 100, "zoom": 0}}, headers=editor)
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["message"] == "⟦Enter a value from -90 to 90.⟧"
    assert answer["errors"]["json"]["initial_view"]["pitch"] == [answer["message"]]


def test_links_both_ways_then_one_way(client, editor, panorama):
    market = new_scene(client, editor, panorama)
    hall = new_scene(client, editor, panorama, slug="town-hall")
    created = client.post(f"/api/scenes/{market['id']}/links", headers=editor, json={
        "to_scene_id": hall["id"], "bearing": 350, "kind": "stairs",
        "label": {"en": "To the hall"}})
    assert created.status_code == 201
    forward, back = created.get_json()
    assert (back["from_scene_id"], back["to_scene_id"], back["bearing"]) == (
        hall["id"], market["id"], 170.0)
    assert back["kind"] == "stairs"
    assert back["label"] == {}

    duplicate = client.post(f"/api/scenes/{market['id']}/links", headers=editor,
                            json={"to_scene_id": hall["id"], "bearing": 10})
    assert duplicate.status_code == 409

    closed = client.patch(f"/api/links/{back['id']}", headers=editor, json={
        "closed_until": "2026-12-24T18:00:00+01:00", "closed_reason": {"de": "Umbau"}})
    assert closed.get_json()["closed_until"] == "2026-12-24T17:00:00+00:00"
    naive = client.patch(f"/api/links/{back['id']}", headers=editor,
                         json={"closed_until": "2026-12-24T18:00:00"})
    assert naive.status_code == 422

    assert client.delete(f"/api/links/{forward['id']}?both_directions=true",
                         headers=editor).status_code == 204
    assert client.get(f"/api/scenes/{hall['id']}/links", headers=editor).get_json() == []
    one_way = client.post(f"/api/scenes/{market['id']}/links", headers=editor, json={
        "to_scene_id": hall["id"], "bearing": 10, "both_directions": False})
    assert len(one_way.get_json()) == 1
    to_itself = client.post(f"/api/scenes/{market['id']}/links", headers=editor,
                            json={"to_scene_id": market["id"], "bearing": 10})
    assert to_itself.status_code == 422
    assert list(to_itself.get_json()["errors"]["json"]) == ["to_scene_id"]


def test_two_editors_turning_the_same_link_the_second_gets_a_conflict(client, editor,
                                                                        panorama):
    market = new_scene(client, editor, panorama)
    hall = new_scene(client, editor, panorama, slug="town-hall")
    forward, _back = client.post(f"/api/scenes/{market['id']}/links", headers=editor, json={
        "to_scene_id": hall["id"], "bearing": 90}).get_json()
    assert forward["version"] == 1
    first = client.patch(f"/api/links/{forward['id']}", headers=editor,
                         json={"bearing": 95, "version": 1})
    assert first.status_code == 200
    assert first.get_json()["version"] == 2
    assert first.headers["ETag"] == '"2"'
    # the second editor still looks at version 1: refused, nothing changed
    second = client.patch(f"/api/links/{forward['id']}", headers=editor,
                          json={"bearing": 120, "version": 1})
    assert second.status_code == 409
    stale_match = client.patch(f"/api/links/{forward['id']}",
                               headers={**editor, "If-Match": '"1"'}, json={"bearing": 120})
    assert stale_match.status_code == 409
    stale_delete = client.delete(f"/api/links/{forward['id']}?version=1", headers=editor)
    assert stale_delete.status_code == 409
    [stored] = [link for link in client.get(f"/api/scenes/{market['id']}/links",
                                            headers=editor).get_json()
                if link["id"] == forward["id"]]
    assert (stored["bearing"], stored["version"]) == (95.0, 2)
    assert client.delete(f"/api/links/{forward['id']}?version=2",
                         headers=editor).status_code == 204


def test_hotspot_round_trip(client, editor, panorama):
    scene = new_scene(client, editor, panorama)
    created = client.post(f"/api/scenes/{scene['id']}/hotspots", headers=editor, json={
        "yaw": 12.5, "pitch": -3, "kind": "url", "url": "https://city.example/advent",
        "label": {"de": "Adventskalender"}, "valid_from": "2026-12-01T00:00:00+01:00",
        "valid_until": "2026-12-25T00:00:00+01:00"})
    assert created.status_code == 201
    hotspot = created.get_json()
    assert hotspot["version"] == 1
    assert hotspot["created_by_id"] is not None
    url = f"/api/hotspots/{hotspot['id']}"
    changed = client.patch(url, headers={**editor, "If-Match": '"1"'},
                           json={"kind": "info", "text": {"de": "Jeden Tag ein Türchen"}})
    assert changed.status_code == 200
    assert (changed.get_json()["url"], changed.get_json()["version"]) == (
        "https://city.example/advent", 2)
    listed = client.get(f"/api/scenes/{scene['id']}/hotspots", headers=editor).get_json()
    assert [item["id"] for item in listed] == [hotspot["id"]]
    assert client.patch(url, headers=editor, json={"version": 1, "yaw": 0}).status_code == 409
    assert client.delete(url, headers={**editor, "If-Match": '"2"'}).status_code == 204


@pytest.mark.parametrize(("body", "field"), [
    ({"yaw": 0, "pitch": 0, "kind": "url", "url": "javascript:alert(1)", "label": {"en": "x"}},
     "url"),
    ({"yaw": 0, "pitch": 0, "kind": "url", "url": "//evil.example", "label": {"en": "x"}},
     "url"),
    ({"yaw": 400, "pitch": 0, "kind": "shop", "shop_id": 1}, "yaw"),
    ({"yaw": 0, "pitch": 0, "kind": "shop"}, "shop_id"),
    ({"yaw": 0, "pitch": 0, "kind": "billboard"}, "kind"),
    ({"yaw": 0, "pitch": 0, "kind": "info", "text": {"en": "x"}, "label": {"klingon": "x"}},
     "label"),
])
def test_bad_hotspots_are_answered_with_422(client, editor, panorama, body, field):
    scene = new_scene(client, editor, panorama)
    response = client.post(f"/api/scenes/{scene['id']}/hotspots", headers=editor, json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]


def test_a_race_the_checks_missed_is_answered_with_409(client, editor, panorama, monkeypatch):
    """Two requests may both pass the slug check; the database's unique index decides."""
    existing = new_scene(client, editor, panorama)

    def create_without_checking(session, fields):
        session.add(Scene(slug=existing["slug"], panorama_id=panorama.id, title={"en": "Twin"}))
        session.flush()

    monkeypatch.setattr(scenes, "create_scene", create_without_checking)
    response = client.post("/api/scenes", headers=editor, json={
        "slug": "other-slug", "panorama": panorama.public_id, "title": {"en": "Twin"}})
    assert response.status_code == 409
    assert response.get_json()["code"] == 409
    assert [item["id"] for item in client.get("/api/scenes", headers=editor).get_json()] == [
        existing["id"]]
