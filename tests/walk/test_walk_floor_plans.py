"""Floor plans in the plan of a tour's walk (``GET /api/walk/tours/<slug>/plan``): each scene's
place on a venue level's drawing and the drawings the walk's scenes lie on."""

from __future__ import annotations

from flask import Flask

from server.extensions import db
from server.storage_setup import public_storage
from tests.walk.conftest import Walk
from tours import floor_plans

PLAN = "/api/walk/tours/old-town/plan"
DRAWING = "floor-plans/images/ab/abcdef.png"


def make_plan(app: Flask, *, level: str = "0", title: dict[str, str] | None = None,
              drawing: str | None = DRAWING) -> int:
    with app.app_context():
        session = db.session
        plan = floor_plans.create_floor_plan(session, {"venue": "Markthalle", "level": level,
                                                       "title": title or {}})
        if drawing:
            public_storage().put(drawing, b"png", content_type="image/png")
            floor_plans.set_image(session, plan.id, key=drawing, width=800, height=600)
        session.commit()
        return plan.id


def place(app: Flask, walk: Walk, slug: str, plan_id: int | None, x: float = 0.5,
          y: float = 0.5) -> None:
    with app.app_context():
        floor_plans.place_scene(db.session, walk.scenes[slug].id, plan_id, x, y)
        db.session.commit()


def test_scenes_on_a_floor_plan_carry_their_place_and_the_plan_its_drawing(app, client, walk):
    plan_id = make_plan(app, title={"de": "Erdgeschoss", "en": "Ground floor"})
    place(app, walk, "hall", plan_id, 0.25, 0.75)
    # the lane has no position: on the floor plan it is on the plan all the same
    place(app, walk, "lane", plan_id, 0.5, 0.5)
    plan = client.get(f"{PLAN}?lang=en").get_json()
    by_slug = {scene["slug"]: scene for scene in plan["scenes"]}
    assert [scene["slug"] for scene in plan["scenes"]] == ["market", "hall", "lane"]
    assert by_slug["market"]["floor"] is None
    assert by_slug["hall"]["floor"] == {"floor_plan": plan_id, "x": 0.25, "y": 0.75}
    assert by_slug["hall"]["location"] == {"latitude": 48.1351, "longitude": 11.5762}
    assert by_slug["lane"]["location"] is None
    assert by_slug["lane"]["floor"] == {"floor_plan": plan_id, "x": 0.5, "y": 0.5}
    # the way to the lane is on the plan now; the far end (nowhere) is still left off
    assert plan["links"] == [["hall", "lane"], ["hall", "market"]]
    (floor_plan,) = plan["floor_plans"]
    with app.app_context():
        url = public_storage().public_url(DRAWING)
    assert floor_plan == {"id": plan_id, "venue": "Markthalle", "level": "0",
                          "title": "Ground floor",
                          "image": {"url": url, "width": 800, "height": 600}}
    assert client.get(f"{PLAN}?lang=de").get_json()["floor_plans"][0]["title"] == "Erdgeschoss"
    assert client.get(url).status_code == 200


def test_a_level_without_a_title_is_named_by_its_number(app, client, walk):
    plan_id = make_plan(app, level="-1")
    place(app, walk, "market", plan_id)
    assert client.get(f"{PLAN}?lang=en").get_json()["floor_plans"][0]["title"] == "Level -1"


def test_a_floor_plan_without_a_drawing_places_nothing(app, client, walk):
    plan_id = make_plan(app, drawing=None)
    place(app, walk, "hall", plan_id)
    place(app, walk, "lane", plan_id)
    plan = client.get(PLAN).get_json()
    assert plan["floor_plans"] == []
    assert [scene["slug"] for scene in plan["scenes"]] == ["market", "hall"]
    assert all(scene["floor"] is None for scene in plan["scenes"])


def test_only_plans_of_the_walks_scenes_are_named(app, client, walk):
    used = make_plan(app, level="0")
    make_plan(app, level="1", drawing="floor-plans/images/cd/other.png")
    place(app, walk, "market", used)
    place(app, walk, "hidden", make_plan(app, level="2", drawing="floor-plans/images/ef/x.png"))
    assert [plan["id"] for plan in client.get(PLAN).get_json()["floor_plans"]] == [used]
