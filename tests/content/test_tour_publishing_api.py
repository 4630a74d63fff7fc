"""``/api/tours/<id>/draft``, ``/publish`` and ``/withdraw``: the editor's save and
publication over HTTP, and what visitors see meanwhile."""

from __future__ import annotations

import pytest

from tours.models import Role


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


@pytest.fixture
def scene_ids(make_panorama, make_scene):
    panorama = make_panorama()
    return [make_scene(panorama, slug=f"place-{number}").id for number in range(3)]


def made_tour(client, editor, scene_ids):
    tour = client.post("/api/tours", headers=editor, json={
        "slug": "old-town", "title": {"en": "Old town"}}).get_json()
    saved = client.put(f"/api/tours/{tour['id']}/draft", headers=editor, json={
        "version": tour["version"], "intro": {"en": "Hello"},
        "stops": [{"scene_id": scene_ids[0], "text": {"en": "First"}},
                  {"scene_id": scene_ids[1],
                   "initial_view": {"yaw": 20, "pitch": -5, "zoom": 40}}]})
    assert saved.status_code == 200, saved.get_json()
    return saved.get_json()


def visitors_title(client):
    response = client.get("/api/walk/tours/old-town?lang=en")
    return response.get_json()["title"] if response.status_code == 200 else response.status_code


def test_save_publish_edit_and_publish_again(client, editor, scene_ids):
    draft = made_tour(client, editor, scene_ids)
    tour, stops = draft["tour"], draft["stops"]
    assert [stop["scene_id"] for stop in stops] == scene_ids[:2]
    assert stops[1]["initial_view"] == {"yaw": 20.0, "pitch": -5.0, "zoom": 40.0}
    assert (tour["published_at"], tour["unpublished_changes"]) == (None, False)
    assert visitors_title(client) == 404
    published = client.post(f"/api/tours/{tour['id']}/publish", headers=editor,
                            json={"version": tour["version"]})
    assert published.status_code == 200
    body = published.get_json()
    assert (body["status"], body["unpublished_changes"]) == ("published", False)
    assert body["published_at"]
    assert published.headers["ETag"] == f'"{body["version"]}"'
    assert visitors_title(client) == "Old town"
    # the editor reorders and renames: visitors keep the published copy
    changed = client.put(f"/api/tours/{tour['id']}/draft", headers=editor, json={
        "version": body["version"], "title": {"en": "New town"},
        "stops": [{"id": stops[1]["id"], "scene_id": scene_ids[1]},
                  {"id": stops[0]["id"], "scene_id": scene_ids[0]}]}).get_json()
    assert changed["tour"]["unpublished_changes"] is True
    assert [stop["id"] for stop in changed["stops"]] == [stops[1]["id"], stops[0]["id"]]
    assert visitors_title(client) == "Old town"
    again = client.post(f"/api/tours/{tour['id']}/publish", headers={
        **editor, "If-Match": f'"{changed["tour"]["version"]}"'}, json={})
    assert again.status_code == 200
    assert visitors_title(client) == "New town"
    detail = client.get("/api/walk/tours/old-town").get_json()
    assert [stop["scene"]["id"] for stop in detail["stops"]] == [scene_ids[1], scene_ids[0]]


def test_a_stale_save_or_publication_is_a_conflict(client, editor, scene_ids):
    tour = made_tour(client, editor, scene_ids)["tour"]
    stale = tour["version"] - 1
    for response in (
            client.put(f"/api/tours/{tour['id']}/draft", headers=editor,
                       json={"version": stale, "title": {"en": "Mine"}, "stops": []}),
            client.post(f"/api/tours/{tour['id']}/publish", headers=editor,
                        json={"version": stale}),
            client.post(f"/api/tours/{tour['id']}/withdraw", headers=editor,
                        json={"version": stale})):
        assert response.status_code == 409
        assert response.get_json()["message"]
    assert client.get(f"/api/tours/{tour['id']}", headers=editor).get_json()["title"] == {
        "en": "Old town"}


def test_withdrawing_hides_the_tour(client, editor, scene_ids):
    tour = made_tour(client, editor, scene_ids)["tour"]
    client.post(f"/api/tours/{tour['id']}/publish", headers=editor, json={})
    withdrawn = client.post(f"/api/tours/{tour['id']}/withdraw", headers=editor, json={})
    assert withdrawn.get_json()["status"] == "archived"
    assert visitors_title(client) == 404


def test_bad_drafts_are_refused_with_4xx(client, editor, scene_ids):
    tour = made_tour(client, editor, scene_ids)["tour"]
    url = f"/api/tours/{tour['id']}/draft"
    assert client.put(url, headers=editor, json={"title": {"en": "x"}}).status_code == 422
    assert client.put(url, headers=editor, json={
        "stops": [{"scene_id": 99999}]}).status_code in (404, 422)
    assert client.put(url, headers=editor, json={
        "stops": [{"id": 99999, "scene_id": scene_ids[0]}]}).status_code == 409
    assert client.put(url, headers=editor, json={
        "status": "published", "stops": []}).status_code == 422
    assert client.put(url, headers=editor, json={"title": {"en": ""}, "stops": []}
                      ).status_code == 422
    assert client.post("/api/tours/99999/publish", headers=editor, json={}).status_code == 404


def test_only_editors_publish(client, auth_headers, editor, scene_ids):
    tour = made_tour(client, editor, scene_ids)["tour"]
    owner = auth_headers(Role.SHOP_OWNER)
    assert client.post(f"/api/tours/{tour['id']}/publish", headers=owner,
                       json={}).status_code == 403
    assert client.post(f"/api/tours/{tour['id']}/publish", json={}).status_code in (400, 401)
