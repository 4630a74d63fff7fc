"""``GET /api/route``: the way to a shop through the public walk, in words, step-free on
request, across a venue's levels; and ``/api/route/destinations`` for "Find a shop".

The world (one tiled panorama everywhere)::

    square --(east, 40 m)--> street --(north, 30 m)--> entrance [level 0]
    entrance --(stairs, 15 m)--> gallery [level 1]           (the short way up)
    entrance --(west, 10 m)--> lift hall [0] --(elevator, 5 m)--> gallery [1]
    gallery: the hotspot of "Book Nook"; "Tea Room" has no hotspot in the walk
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.extensions import db
from server.route_api import keeper
from server.visitor_stats import flush_visits
from tests.walk.conftest import link, tour_of
from tours import hotspots, links
from tours.models import (
    DailyCount,
    FloorPlan,
    Link,
    Panorama,
    Scene,
    Shop,
    ShopStatus,
    TourStatus,
    utcnow,
)

pytestmark = pytest.mark.database


@dataclass(frozen=True)
class Mall:
    scenes: dict[str, Scene]
    elevator_link: int
    hotspot_id: int


@pytest.fixture
def mall(app: Flask, tiled_panorama: Callable[..., Panorama],
         make_scene: Callable[..., Scene], make_shop: Callable[..., Any]) -> Mall:
    panorama = tiled_panorama()

    def scene(slug: str, title: str, **fields: Any) -> Scene:
        return make_scene(panorama, slug=slug, title={"en": title}, **fields)

    scenes = {
        "square": scene("square", "Market square", latitude=48.0, longitude=8.0),
        "street": scene("street", "High street", latitude=48.0, longitude=8.00054),
        "entrance": scene("entrance", "Mall entrance", level="0", north_offset=40.0),
        "lift": scene("lift", "Lift hall", level="0"),
        "gallery": scene("gallery", "Gallery", level="1"),
    }
    shop = make_shop(slug="book-nook", status=ShopStatus.PUBLISHED, name={"en": "Book Nook"},
                     short_description={"en": "Second-hand books"})
    make_shop(slug="tea-room", status=ShopStatus.PUBLISHED, name={"en": "Tea Room"})
    with app.app_context():
        session = db.session
        link(session, scenes["square"], scenes["street"], 90.0)
        link(session, scenes["street"], scenes["entrance"], 0.0, length_m=30.0)
        link(session, scenes["entrance"], scenes["gallery"], 20.0, kind="stairs", length_m=15.0)
        link(session, scenes["entrance"], scenes["lift"], 270.0, length_m=10.0)
        link(session, scenes["lift"], scenes["gallery"], 0.0, kind="elevator", length_m=5.0)
        hotspot = hotspots.add_hotspot(session, scenes["gallery"].id, {
            "yaw": 120.0, "pitch": -5.0, "kind": "shop", "shop_id": shop.id})
        tour_of(session, "city", [scenes["square"]], status=TourStatus.PUBLISHED)
        session.commit()
        elevator = session.query(Link).filter_by(from_scene_id=scenes["lift"].id,
                                                 to_scene_id=scenes["gallery"].id).one()
        return Mall(scenes, elevator.id, hotspot.id)


def route(client: FlaskClient, **query: Any) -> dict[str, Any]:
    response = client.get("/api/route", query_string={"lang": "en", **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_way_to_a_shop_names_every_turn_and_the_level_change(client: FlaskClient,
                                                                  mall: Mall) -> None:
    answer = route(client, **{"from": "square", "to_shop": "book-nook"})

    assert answer["found"] is True
    assert answer["shop"] == {"slug": "book-nook", "name": "Book Nook"}
    assert [step["to_scene"]["slug"] for step in answer["steps"]] == [
        "street", "entrance", "gallery"]
    assert [step["instruction"] for step in answer["steps"]] == [
        "Head east towards High street, 40 m",
        "Turn left towards Mall entrance, 30 m",
        "Take the stairs to level 1",
    ]
    stairs = answer["steps"][2]
    assert stairs["kind"] == "stairs"
    assert stairs["to_level"] == "1"
    # the arrow to take lies at the link's bearing turned by the scene's north offset
    assert stairs["yaw"] == pytest.approx(60.0)
    # 40 m from the positions (great circle), then the lengths set by hand
    assert answer["distance_m"] == pytest.approx(40.2 + 30 + 15, abs=0.5)
    assert answer["walking_seconds"] == pytest.approx(answer["distance_m"] / 1.3, abs=0.2)
    assert answer["walking_time"] == "2 minutes"
    assert answer["wheelchair_seconds"] is None
    assert answer["arrival"]["scene"]["slug"] == "gallery"
    assert answer["arrival"]["instruction"] == "You have arrived at Book Nook."
    assert answer["arrival"]["hotspot"] == {"id": mall.hotspot_id, "yaw": 120.0, "pitch": -5.0}


def test_a_step_free_route_takes_the_elevator(client: FlaskClient, mall: Mall) -> None:
    answer = route(client, **{"from": "square", "to_shop": "book-nook", "step_free": "1"})

    assert answer["found"] is True
    assert answer["step_free"] is True
    assert [step["to_scene"]["slug"] for step in answer["steps"]] == [
        "street", "entrance", "lift", "gallery"]
    assert answer["steps"][2]["instruction"] == "Turn left towards Lift hall, 10 m"
    assert answer["steps"][3]["instruction"] == "Take the elevator to level 1"
    assert all(step["kind"] not in ("stairs", "escalator") for step in answer["steps"])
    assert answer["wheelchair_seconds"] == pytest.approx(answer["distance_m"], abs=0.2)
    assert answer["wheelchair_time"] == "2 minutes"


def test_an_elevator_out_of_service_leaves_no_step_free_route(
        app: Flask, client: FlaskClient, mall: Mall) -> None:
    assert route(client, **{"from": "square", "to_shop": "book-nook", "step_free": "1"})[
        "found"] is True
    with app.app_context():
        found = links.get_link(db.session, mall.elevator_link)
        links.update_link(db.session, found.id, {
            "closed_until": utcnow() + dt.timedelta(days=2),
            "closed_reason": {"en": "Out of service"}})
        db.session.commit()

    answer = route(client, **{"from": "square", "to_shop": "book-nook", "step_free": "1"})

    assert answer["found"] is False
    assert answer["reason"] == "no_step_free_route"
    assert answer["message"].startswith("There is no step-free route from here to Book Nook")
    assert answer["steps"] == []
    # with steps, the way is still there
    assert route(client, **{"from": "square", "to_shop": "book-nook"})["found"] is True


def test_the_graph_is_kept_until_a_link_changes(app: Flask, client: FlaskClient,
                                                mall: Mall) -> None:
    query = {"from": "street", "to_scene": "gallery", "step_free": "1"}
    route(client, **query)
    route(client, **{**query, "from": "square"})
    assert keeper(app).builds == 1

    with app.app_context():
        links.update_link(db.session, mall.elevator_link, {"length_m": 500.0})
        db.session.commit()
    answer = route(client, **query)

    assert keeper(app).builds == 2
    assert answer["distance_m"] == pytest.approx(30 + 10 + 500)


def test_a_closure_that_ends_reopens_the_way(app: Flask, client: FlaskClient,
                                             mall: Mall, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    until = utcnow() + dt.timedelta(hours=1)
    with app.app_context():
        links.update_link(db.session, mall.elevator_link, {"closed_until": until})
        db.session.commit()
    query = {"from": "entrance", "to_scene": "gallery", "step_free": "1"}
    assert route(client, **query)["found"] is False

    later = until + dt.timedelta(seconds=1)
    monkeypatch.setattr("server.route_api.utcnow", lambda: later)

    assert route(client, **query)["found"] is True


def test_unreachable_goals_say_so(app: Flask, client: FlaskClient, mall: Mall,
                                  make_scene: Callable[..., Scene]) -> None:
    with app.app_context():
        # the way down from the gallery is gone: the square cannot be reached from there
        for slug in ("entrance", "lift"):
            found = db.session.query(Link).filter_by(
                from_scene_id=mall.scenes["gallery"].id,
                to_scene_id=mall.scenes[slug].id).one()
            links.delete_link(db.session, found.id)
        db.session.commit()

    answer = route(client, **{"from": "gallery", "to_scene": "square"})

    assert answer["found"] is False
    assert answer["reason"] == "unreachable"
    assert answer["message"] == "There is no way through the walk from here to Market square."


def test_the_route_to_where_one_stands_is_arrival(client: FlaskClient, mall: Mall) -> None:
    answer = route(client, **{"from": "gallery", "to_shop": "book-nook"})

    assert answer["found"] is True
    assert answer["steps"] == []
    assert answer["distance_m"] == 0
    assert answer["distance"] == "0 m"
    assert answer["arrival"]["instruction"] == "You have arrived at Book Nook."


def test_instructions_follow_the_visitors_language(client: FlaskClient, mall: Mall) -> None:
    answer = client.get("/api/route", query_string={
        "from": "square", "to_shop": "book-nook", "step_free": "1", "lang": "de"}).get_json()

    assert answer["steps"][3]["instruction"] == "Nehmen Sie den Aufzug zur Ebene 1"
    assert answer["walking_time"] == "2 Minuten"


@pytest.mark.parametrize(("query", "status"), [
    ({"to_shop": "book-nook"}, 422),                                  # no start
    ({"from": "square"}, 422),                                        # no goal
    ({"from": "square", "to_shop": "book-nook", "to_scene": "street"}, 422),  # two goals
    ({"from": "x" * 81, "to_scene": "street"}, 422),
    ({"from": "square", "to_scene": "street", "step_free": "maybe"}, 422),
    ({"from": "nowhere", "to_scene": "street"}, 404),
    ({"from": "square", "to_scene": "nowhere"}, 404),
    ({"from": "square", "to_shop": "no-such-shop"}, 404),
    ({"from": "square", "to_shop": "tea-room"}, 404),                 # not in the walk
])
def test_bad_questions_get_clear_answers(client: FlaskClient, mall: Mall,
                                         query: dict[str, str], status: int) -> None:
    response = client.get("/api/route", query_string=query)

    assert response.status_code == status
    assert response.get_json()["message"]


def test_scenes_outside_the_public_walk_are_not_found(client: FlaskClient, mall: Mall,
                                                      make_scene: Callable[..., Scene],
                                                      tiled_panorama: Callable[..., Panorama]
                                                      ) -> None:
    make_scene(tiled_panorama(), slug="backstage", title={"en": "Backstage"})

    response = client.get("/api/route", query_string={"from": "backstage",
                                                      "to_shop": "book-nook"})

    assert response.status_code == 404


def test_a_shop_without_a_shown_hotspot_cannot_be_routed_to(
        app: Flask, client: FlaskClient, mall: Mall) -> None:
    with app.app_context():
        hotspots.update_hotspot(db.session, mall.hotspot_id, {
            "valid_until": utcnow() - dt.timedelta(days=1),
            "valid_from": utcnow() - dt.timedelta(days=3)})
        db.session.commit()

    response = client.get("/api/route", query_string={"from": "square", "to_shop": "book-nook"})

    assert response.status_code == 404
    assert response.get_json()["message"] == "This shop cannot be found in the walk."


def test_find_a_shop_lists_the_shops_a_route_reaches(client: FlaskClient, mall: Mall) -> None:
    everything = client.get("/api/route/destinations", query_string={"lang": "en"}).get_json()
    matching = client.get("/api/route/destinations", query_string={"q": "BOOK"}).get_json()
    nothing = client.get("/api/route/destinations", query_string={"q": "tea"}).get_json()

    assert [shop["slug"] for shop in everything] == ["book-nook"]
    assert matching[0]["name"] == "Book Nook"
    assert matching[0]["short_description"] == "Second-hand books"
    assert nothing == []


def test_routes_are_cacheable_and_revalidated(client: FlaskClient, mall: Mall) -> None:
    query = {"from": "square", "to_shop": "book-nook"}
    first = client.get("/api/route", query_string=query)
    again = client.get("/api/route", query_string=query,
                       headers={"If-None-Match": first.headers["ETag"]})

    assert "max-age=60" in first.headers["Cache-Control"]
    assert again.status_code == 304


def test_route_requests_to_a_shop_are_counted_for_it(app: Flask, client: FlaskClient,
                                                     mall: Mall) -> None:
    route(client, **{"from": "square", "to_shop": "book-nook"})
    route(client, **{"from": "street", "to_shop": "book-nook", "step_free": "1"})
    route(client, **{"from": "square", "to_scene": "gallery"})  # no shop: not counted

    flush_visits(app)

    with app.app_context():
        counted = db.session.query(DailyCount).filter_by(event="route_request").all()
        shop_id = db.session.query(Shop.id).filter_by(slug="book-nook").scalar()
    assert [(row.subject_id, row.count) for row in counted] == [(shop_id, 2)]


def test_a_route_inside_a_venue_names_the_floor_plans_it_crosses(
        app: Flask, client: FlaskClient, mall: Mall) -> None:
    with app.app_context():
        upper = FloorPlan(venue="Luisencenter", level="1", title={"en": "Upper floor"},
                          image_key="floor-plans/upper.png", image_width=800, image_height=600)
        db.session.add(upper)
        db.session.flush()
        for slug, x in (("lift", 0.2), ("gallery", 0.6)):
            scene = db.session.get(Scene, mall.scenes[slug].id)
            scene.floor_plan_id, scene.floor_x, scene.floor_y = upper.id, x, 0.5
        db.session.commit()
        upper_id = upper.id

    answer = route(client, **{"from": "square", "to_shop": "book-nook", "step_free": "1"})

    assert [plan["id"] for plan in answer["floor_plans"]] == [upper_id]
    assert answer["floor_plans"][0]["title"] == "Upper floor"
    assert answer["floor_plans"][0]["image"]["width"] == 800
    assert answer["steps"][3]["to_scene"]["floor"] == {
        "floor_plan": upper_id, "x": 0.6, "y": 0.5}
    assert answer["steps"][0]["to_scene"]["floor"] is None


def test_after_a_level_change_the_way_on_is_named_by_the_compass(
        app: Flask, client: FlaskClient, mall: Mall,
        make_scene: Callable[..., Scene], tiled_panorama: Callable[..., Panorama]) -> None:
    corner = make_scene(tiled_panorama(), slug="corner", title={"en": "Reading corner"},
                        level="1")
    with app.app_context():
        gallery = db.session.get(Scene, mall.scenes["gallery"].id)
        link(db.session, gallery, corner, 90.0, length_m=12.0)
        db.session.commit()

    answer = route(client, **{"from": "entrance", "to_scene": "corner"})

    assert [step["instruction"] for step in answer["steps"]] == [
        "Take the stairs to level 1", "Head east towards Reading corner, 10 m"]
