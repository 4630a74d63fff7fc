"""The plan of a tour (``GET /api/walk/tours/<slug>/plan``, ``tours.walk_plan``) and its map
tile setting (``PLAN_TILE_URL``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server import create_app
from server.config import ConfigError, load_config, tile_origin, tile_url_template
from server.extensions import db
from tests.walk.conftest import Walk, link, tour_of
from tours import scenes, tour_service
from tours.models import Scene, TourStatus, utcnow
from tours.walk import public_tour
from tours.walk_plan import PlanPosition, plan_position, tour_plan

PLAN = "/api/walk/tours/old-town/plan"
#: the lane and the far end, placed (the walk fixture leaves them without a position)
LANE = {"latitude": 48.1349, "longitude": 11.5771}
FAR = {"latitude": 48.1341, "longitude": 11.5779}


def place(app: Flask, scene: Scene, where: dict[str, float | None]) -> None:
    with app.app_context():
        scenes.update_scene(db.session, scene.id, where)
        db.session.commit()


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def test_the_plan_places_the_walks_scenes_stops_first(app, client, walk: Walk):
    place(app, walk.scenes["lane"], LANE)
    place(app, walk.scenes["far"], FAR)
    plan = client.get(f"{PLAN}?lang=en").get_json()
    assert plan == {
        "tour": "old-town",
        "scenes": [
            {"id": walk.scenes["market"].id, "slug": "market", "title": "Market square",
             "location": {"latitude": 48.1374, "longitude": 11.5755}, "floor": None,
             "north_offset": 30.0,
             "stops": [1], "initial_view": {"yaw": 0.0, "pitch": 0.0, "zoom": 50.0}},
            {"id": walk.scenes["hall"].id, "slug": "hall", "title": "Markthalle",
             "location": {"latitude": 48.1351, "longitude": 11.5762}, "floor": None,
             "north_offset": -100.0,
             "stops": [2], "initial_view": {"yaw": 0.0, "pitch": 0.0, "zoom": 50.0}},
            # walked to freely, by slug
            {"id": walk.scenes["far"].id, "slug": "far", "title": "Far end",
             "location": FAR, "floor": None, "north_offset": 0.0, "stops": [],
             "initial_view": {"yaw": 0.0, "pitch": 0.0, "zoom": 50.0}},
            {"id": walk.scenes["lane"].id, "slug": "lane", "title": "Lane",
             "location": LANE, "floor": None, "north_offset": 0.0, "stops": [],
             "initial_view": {"yaw": 0.0, "pitch": 0.0, "zoom": 50.0}},
        ],
        # each way once although links go both ways; the unready scene is no part of the walk
        "links": [["far", "lane"], ["hall", "lane"], ["hall", "market"]],
        "floor_plans": [],
        "background": None,
    }
    assert client.get(f"{PLAN}?lang=de").get_json()["scenes"][0]["title"] == "Marktplatz"


def test_scenes_without_a_position_are_left_off_with_their_links(app, client, walk: Walk):
    place(app, walk.scenes["far"], FAR)
    plan = client.get(PLAN).get_json()
    # the lane has no position: the far end is on the plan, but no way leads to it
    assert [scene["slug"] for scene in plan["scenes"]] == ["market", "hall", "far"]
    assert plan["links"] == [["hall", "market"]]
    place(app, walk.scenes["market"], {"latitude": None, "longitude": None})
    assert [scene["slug"] for scene in client.get(PLAN).get_json()["scenes"]] == ["hall", "far"]


def test_only_this_tours_walk_is_on_the_plan(app, client, walk: Walk, make_scene,
                                             tiled_panorama):
    """A scene of another public tour is public, but not on this tour's plan until a link
    joins the two walks; a scene still being tiled never is."""
    place(app, walk.scenes["unready"], LANE)
    harbour = make_scene(tiled_panorama(), slug="harbour", title={"en": "Harbour"},
                         latitude=48.2, longitude=11.6)
    with app.app_context():
        tour_of(db.session, "harbour-tour", [harbour], status=TourStatus.PUBLISHED)
        db.session.commit()
    assert client.get("/api/walk/scenes/harbour").status_code == 200
    assert [scene["slug"] for scene in client.get(PLAN).get_json()["scenes"]] == [
        "market", "hall"]
    assert [scene["slug"] for scene in client.get(
        "/api/walk/tours/harbour-tour/plan").get_json()["scenes"]] == ["harbour"]
    with app.app_context():
        link(db.session, walk.scenes["hall"], harbour, 45.0)
        db.session.commit()
    plan = client.get(PLAN).get_json()
    assert [scene["slug"] for scene in plan["scenes"]] == ["market", "hall", "harbour"]
    assert ["hall", "harbour"] in plan["links"]


def test_a_scene_shown_by_two_stops_carries_both_numbers_and_its_stops_view(app, client,
                                                                           walk: Walk):
    with app.app_context():
        session = db.session
        tour_service.add_stop(session, walk.tour_id, {"scene_id": walk.scenes["market"].id})
        first = tour_service.list_stops(session, walk.tour_id)[0]
        tour_service.update_stop(session, first.id, {
            "initial_view": {"yaw": -45, "pitch": 10, "zoom": 20}})
        tour_service.publish_tour(session, walk.tour_id)
        session.commit()
    market = client.get(PLAN).get_json()["scenes"][0]
    # market, (unready), hall, market: the visitors' stops are 1, 2, 3
    assert (market["slug"], market["stops"]) == ("market", [1, 3])
    assert market["initial_view"] == {"yaw": -45.0, "pitch": 10.0, "zoom": 20.0}


def test_a_tour_visitors_cannot_take_has_no_plan(client, walk: Walk):
    for slug in ("secret", "nowhere"):
        response = client.get(f"/api/walk/tours/{slug}/plan")
        assert response.status_code == 404
        assert response.get_json()["code"] == 404


def test_the_plan_is_cached_and_revalidated(app, client, walk: Walk):
    first = client.get(PLAN)
    assert first.cache_control.public
    assert first.cache_control.max_age == 60
    tag, weak = first.get_etag()
    assert tag
    assert not weak
    assert client.get(PLAN, headers={"If-None-Match": f'"{tag}"'}).status_code == 304
    place(app, walk.scenes["hall"], {"latitude": 48.1352})
    moved = client.get(PLAN, headers={"If-None-Match": f'"{tag}"'})
    assert moved.status_code == 200
    assert moved.get_json()["scenes"][1]["location"]["latitude"] == 48.1352


def test_positions_come_from_one_place(app, walk: Walk):
    with app.app_context():
        scene = db.session.get(Scene, walk.scenes["market"].id)
        assert plan_position(scene) == PlanPosition(48.1374, 11.5755)
        scene.longitude = None
        assert plan_position(scene) is None
        db.session.rollback()
        plan = tour_plan(db.session, public_tour(db.session, "old-town", utcnow()))
        assert [entry.position for entry in plan.scenes] == [PlanPosition(48.1374, 11.5755),
                                                             PlanPosition(48.1351, 11.5762)]
        assert plan.is_drawable
        # one placed scene makes no plan worth drawing
        db.session.get(Scene, walk.scenes["hall"].id).latitude = None
        db.session.flush()
        plan = tour_plan(db.session, public_tour(db.session, "old-town", utcnow()))
        assert [entry.scene.slug for entry in plan.scenes] == ["market"]
        assert not plan.is_drawable
        db.session.rollback()


# --- the map under the plan -------------------------------------------------------------------


def test_without_a_tile_server_the_plan_has_no_map_and_the_policy_no_origin(client, walk):
    assert client.get(PLAN).get_json()["background"] is None
    policy = directives(client.get("/tours/old-town").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:"]


def test_a_tile_server_is_drawn_under_the_plan_and_allowed_for_images(
        make_app: Callable[..., Flask], walk: Walk):
    app = make_app(PLAN_TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                   PLAN_TILE_ATTRIBUTION="© OpenStreetMap contributors", PLAN_TILE_MAX_ZOOM=18)
    client = app.test_client()
    assert client.get(PLAN).get_json()["background"] == {
        "tile_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors", "max_zoom": 18}
    policy = directives(client.get("/tours/old-town").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:", "https://tile.openstreetmap.org"]
    # images only: the viewer never fetches from the tile server
    assert policy["connect-src"] == ["'self'"]


def test_tiles_on_this_site_add_no_origin(make_app: Callable[..., Flask], walk: Walk):
    app = make_app(PLAN_TILE_URL="/tiles/{z}/{x}/{y}.png")
    client = app.test_client()
    assert client.get(PLAN).get_json()["background"]["tile_url"] == "/tiles/{z}/{x}/{y}.png"
    policy = directives(client.get("/tours/old-town").headers["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "blob:"]


@pytest.mark.parametrize(("template", "origin"), [
    ("", None),
    ("  https://tile.openstreetmap.org/{z}/{x}/{y}.png ", "https://tile.openstreetmap.org"),
    ("http://127.0.0.1:8123/osm/{z}/{x}/{y}.png?key=abc", "http://127.0.0.1:8123"),
    ("https://Tiles.Example.org:8443/{z}/{y}/{x}", "https://tiles.example.org:8443"),
    ("/tiles/{z}/{x}/{y}.png", None),
])
def test_tile_url_templates(template: str, origin: str | None):
    checked = tile_url_template("PLAN_TILE_URL", template)
    assert checked == template.strip()
    assert tile_origin(checked) == origin


@pytest.mark.parametrize("template", [
    "tile.openstreetmap.org/{z}/{x}/{y}.png",             # no scheme
    "ftp://tiles.example.org/{z}/{x}/{y}.png",            # not http(s)
    "https://tile.openstreetmap.org/{z}/{x}.png",         # no {y}
    "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",  # a placeholder the viewer won't fill
    "https://*.tiles.example.org/{z}/{x}/{y}.png",        # no single host
    "https://user@tiles.example.org/{z}/{x}/{y}.png",
    "https://[::1]/{z}/{x}/{y}.png",                      # a policy cannot name it
    "//tiles.example.org/{z}/{x}/{y}.png",                # another host without a scheme
    "https://tiles.example.org/{z}/{x}/{y}.png'; script-src *",
    "javascript:alert(1)//{z}/{x}/{y}",
])
def test_anything_else_stops_the_app_at_startup(tmp_path: Path, app_config: dict[str, Any],
                                               template: str):
    with pytest.raises(ConfigError, match="PLAN_TILE_URL"):
        load_config({"PLAN_TILE_URL": template}, tmp_path)
    with pytest.raises(ConfigError, match="PLAN_TILE_URL"):
        create_app({**app_config, "PLAN_TILE_URL": template})


def test_the_settings_are_read_from_the_environment(tmp_path: Path):
    config = load_config({}, tmp_path)
    assert (config["PLAN_TILE_URL"], config["PLAN_TILE_ATTRIBUTION"],
            config["PLAN_TILE_MAX_ZOOM"]) == ("", "", 19)
    config = load_config({"PLAN_TILE_URL": "https://t.example.org/{z}/{x}/{y}.png",
                          "PLAN_TILE_ATTRIBUTION": " © Example ", "PLAN_TILE_MAX_ZOOM": "17"},
                         tmp_path)
    assert (config["PLAN_TILE_URL"], config["PLAN_TILE_ATTRIBUTION"],
            config["PLAN_TILE_MAX_ZOOM"]) == ("https://t.example.org/{z}/{x}/{y}.png",
                                              "© Example", 17)
