"""``/api/tours`` and ``/api/stops``: curating a tour over HTTP."""

from __future__ import annotations

import json

import pytest

from tours.models import Role


@pytest.fixture
def admin(auth_headers):
    return auth_headers(Role.ADMIN)


@pytest.fixture
def scene_ids(make_panorama, make_scene):
    panorama = make_panorama()
    return [make_scene(panorama, slug=f"place-{number}").id for number in range(3)]


def new_tour(client, admin, **fields):
    response = client.post("/api/tours", headers=admin, json={
        "slug": "advent-walk", "title": {"de": "Adventsweg"}, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_tour_round_trip(client, admin, scene_ids):
    tour = new_tour(client, admin, intro={"de": "24 Türchen.\nJeden Tag eins."},
                    cover_scene_id=scene_ids[0])
    assert (tour["status"], tour["version"], tour["cover_scene_id"]) == ("draft", 1,
                                                                         scene_ids[0])
    url = f"/api/tours/{tour['id']}"
    published = client.patch(url, headers={**admin, "If-Match": '"1"'}, json={
        "status": "published", "publish_from": "2026-12-01T00:00:00+01:00",
        "publish_until": "2026-12-25T00:00:00+01:00"})
    assert published.status_code == 200
    assert published.headers["ETag"] == '"2"'
    assert client.get(url, headers=admin).get_json()["status"] == "published"
    listed = client.get("/api/tours?status=published", headers=admin)
    assert [item["id"] for item in listed.get_json()] == [tour["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert client.get("/api/tours?status=archived", headers=admin).get_json() == []
    backwards = client.patch(url, headers=admin,
                             json={"publish_until": "2026-11-01T00:00:00+01:00"})
    assert backwards.status_code == 422
    assert list(backwards.get_json()["errors"]["json"]) == ["publish_until"]
    assert client.delete(url, headers={**admin, "If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=admin).status_code == 404


def test_stops_are_added_reordered_and_removed(client, admin, scene_ids):
    tour = new_tour(client, admin)
    stops_url = f"/api/tours/{tour['id']}/stops"
    made = [client.post(stops_url, headers=admin, json={"scene_id": scene_id}).get_json()
            for scene_id in scene_ids]
    assert [stop["position"] for stop in made] == [1, 2, 3]
    first = client.post(stops_url, headers=admin, json={
        "scene_id": scene_ids[2], "position": 1,
        "initial_view": {"yaw": 90, "pitch": 0, "zoom": 10}, "text": {"en": "Start here"}})
    assert first.status_code == 201
    assert first.get_json()["initial_view"] == {"yaw": 90.0, "pitch": 0.0, "zoom": 10.0}
    listed = client.get(stops_url, headers=admin).get_json()
    assert [stop["id"] for stop in listed] == [first.get_json()["id"],
                                               *(stop["id"] for stop in made)]
    assert [stop["position"] for stop in listed] == [1, 2, 3, 4]
    version = client.get(f"/api/tours/{tour['id']}", headers=admin).get_json()["version"]
    assert version == 5

    order = [stop["id"] for stop in reversed(listed)]
    reordered = client.put(f"{stops_url}/order", headers=admin,
                           json={"stop_ids": order, "version": version})
    assert reordered.status_code == 200
    assert [(stop["id"], stop["position"]) for stop in reordered.get_json()] == [
        (stop_id, number) for number, stop_id in enumerate(order, start=1)]
    stale = client.put(f"{stops_url}/order", headers=admin,
                       json={"stop_ids": order, "version": version})
    assert stale.status_code == 409
    incomplete = client.put(f"{stops_url}/order", headers=admin, json={"stop_ids": order[1:]})
    assert incomplete.status_code == 409
    repeated = client.put(f"{stops_url}/order", headers=admin,
                          json={"stop_ids": [order[0], *order[:3]]})
    assert repeated.status_code == 422

    stop_url = f"/api/stops/{order[0]}"
    changed = client.patch(stop_url, headers=admin, json={"initial_view": None,
                                                           "text": {"fr": "Ici"}})
    assert changed.get_json()["initial_view"] is None
    assert client.patch(stop_url, headers=admin,
                        json={"scene_id": 999_999}).status_code == 422
    assert client.delete(stop_url, headers=admin).status_code == 204
    assert [stop["position"] for stop in client.get(stops_url, headers=admin).get_json()] == [
        1, 2, 3]


def test_a_scene_on_a_tour_cannot_be_deleted(client, admin, scene_ids):
    tour = new_tour(client, admin)
    client.post(f"/api/tours/{tour['id']}/stops", headers=admin,
                json={"scene_id": scene_ids[0]})
    refused = client.delete(f"/api/scenes/{scene_ids[0]}", headers=admin)
    assert refused.status_code == 409
    assert "advent-walk" in refused.get_json()["message"]


def test_bad_tour_input(client, admin, scene_ids):
    new_tour(client, admin)
    assert client.post("/api/tours", headers=admin, json={
        "slug": "advent-walk", "title": {"de": "Nochmal"}}).status_code == 409
    for body, field in (({"slug": "x", "title": {"de": "Kurz"}}, "slug"),
                        ({"slug": "other", "title": {"de": "T"}, "status": "secret"}, "status"),
                        ({"slug": "other", "title": {"de": "T"}, "cover_scene_id": 999_999},
                         "cover_scene_id"),
                        ({"slug": "other", "title": {"de": "T"}, "intro": {"xx": "?"}},
                         "intro")):
        response = client.post("/api/tours", headers=admin, json=body)
        assert response.status_code == 422, body
        assert list(response.get_json()["errors"]["json"]) == [field]
