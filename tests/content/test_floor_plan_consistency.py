"""A scene on a floor plan keeps the plan's level: ``PATCH /api/scenes`` refuses another one
with a 422 that names the plan (the plan's level is what wayfinding calls the floor, and what
the viewer shows the plan for). And the list of floor plans reads its scenes in one query."""

from __future__ import annotations

import pytest

from tests.support.queries import counted_queries
from tours.models import Role

pytestmark = pytest.mark.database

PLANS = "/api/floor-plans"


@pytest.fixture
def editor(auth_headers):
    return auth_headers(Role.EDITOR)


def new_plan(client, editor, **fields):
    response = client.post(PLANS, json={"venue": "Markthalle", "level": "0", **fields},
                           headers=editor)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def place(client, editor, scene_id, plan_id):
    response = client.put(f"/api/scenes/{scene_id}/floor-position",
                          json={"floor_plan_id": plan_id, "x": 0.5, "y": 0.5}, headers=editor)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_level_of_a_scene_on_a_floor_plan_cannot_drift_from_the_plan(
        client, editor, make_scene) -> None:
    plan = new_plan(client, editor, venue="Luisencenter", level="1")
    scene = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    place(client, editor, scene.id, plan["id"])
    url = f"/api/scenes/{scene.id}"

    for level in ("2", None, ""):
        response = client.patch(url, json={"level": level}, headers=editor)
        assert response.status_code == 422, (level, response.get_json())
        message = response.get_json()["message"]
        assert "floor plan of Luisencenter, level 1" in message

    assert client.get(url, headers=editor).get_json()["level"] == "1"
    # the same level (as the settings form sends it back) and other fields are fine
    same = client.patch(url, json={"level": " 1 ", "title": {"en": "Fish"}}, headers=editor)
    assert same.status_code == 200, same.get_json()


def test_off_its_plan_a_scene_takes_any_level(client, editor, make_scene) -> None:
    plan = new_plan(client, editor)
    scene = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    place(client, editor, scene.id, plan["id"])
    off = client.put(f"/api/scenes/{scene.id}/floor-position", json={"floor_plan_id": None},
                     headers=editor)
    assert off.status_code == 200

    response = client.patch(f"/api/scenes/{scene.id}", json={"level": "2"}, headers=editor)

    assert response.status_code == 200
    assert response.get_json()["level"] == "2"


def test_the_list_of_floor_plans_reads_their_scenes_at_once(app, client, editor,
                                                           make_scene) -> None:
    first = new_plan(client, editor, level="0")
    scene = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    place(client, editor, scene.id, first["id"])
    with counted_queries(app) as few:
        listed = client.get(PLANS, headers=editor)
    for level in ("1", "2", "3", "4"):
        plan = new_plan(client, editor, level=level)
        other = make_scene(slug=f"stand-{level}", title={"en": f"Stand {level}"})
        place(client, editor, other.id, plan["id"])

    with counted_queries(app) as many:
        listed = client.get(PLANS, headers=editor)

    assert listed.status_code == 200
    body = listed.get_json()
    assert [plan["level"] for plan in body] == ["0", "1", "2", "3", "4"]
    assert [[entry["slug"] for entry in plan["scenes"]] for plan in body] == [
        ["fish-stand"], ["stand-1"], ["stand-2"], ["stand-3"], ["stand-4"]]
    assert body[0]["scenes"][0]["x"] == 0.5
    assert len(many) == len(few)
