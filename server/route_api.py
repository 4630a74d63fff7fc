"""``/api/route``: "take me to this shop" — the way through the public walk, step by step.

``GET /api/route?from=<scene>&to_shop=<shop>`` (or ``to_scene=<scene>``), ``step_free=1`` on
request: the shortest route over the walk's open links (``tours.wayfinding``), each step with
the link to take, its arrow's direction and a sentence in the visitor's language. A route that
cannot be found is not an error: the answer says ``found: false`` and why (no route at all, or
none without steps), so the viewer can tell the visitor. Unknown or non-public places are 404.

The graph is kept per process (``tours.wayfinding.GraphKeeper``) and rebuilt when links,
scenes, tours or panoramas change or a closure ends. ``GET /api/route/destinations?q=`` lists
the shops a route can lead to, for "Find a shop" (search as you type).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from server import route_directions, shop_presenter
from server.api_caching import public_cache
from server.editor_api import handle_errors
from server.extensions import db
from server.shop_presenter import text
from server.visitor_stats import count_visit
from server.walk_presenter import floor_plan_view, location, scene_ref
from tours.errors import N_, NotFound
from tours.models import FloorPlan, Shop, ShopStatus, StatEvent, utcnow
from tours.routing import WALKING_SPEED_M_S, WHEELCHAIR_SPEED_M_S
from tours.scenes import SceneNotFound
from tours.shops import search_words
from tours.wayfinding import (
    GraphKeeper,
    ScenePlace,
    ShopGoal,
    WalkGraph,
    reachable_shops,
    shop_goals,
)

KEEPER_KEY = "flaneur.walk_graph"
#: "Find a shop" shows at most this many matches
MAX_DESTINATIONS = 20

bp = Blueprint(
    "route_api", __name__, url_prefix="/api/route",
    description="Wayfinding: routes through the public walk to a shop or a scene, step by "
                "step, optionally step-free. No account needed.",
)
handle_errors(bp)
cached = public_cache(bp)


class ShopNotReachable(NotFound):
    message = N_("This shop cannot be found in the walk.")


# --- schemas --------------------------------------------------------------------------------


def _reference(value: str) -> str:
    if not value or len(value) > 80:
        raise ma.ValidationError("Give a slug of at most 80 characters.")
    return value


class RouteQuerySchema(ma.Schema):
    from_ = ma.fields.String(required=True, data_key="from", validate=_reference, metadata={
        "description": "The scene to start at (its slug)"})
    to_shop = ma.fields.String(load_default=None, validate=_reference, metadata={
        "description": "The shop to go to (its slug)"})
    to_scene = ma.fields.String(load_default=None, validate=_reference, metadata={
        "description": "The scene to go to (its slug), instead of a shop"})
    step_free = ma.fields.Boolean(load_default=False, metadata={
        "description": "Never use stairs or escalators"})

    @ma.validates_schema
    def one_goal(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("to_shop") is None) == (data.get("to_scene") is None):
            raise ma.ValidationError("Give either to_shop or to_scene.", field_name="to_shop")


class RouteSceneSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    level = ma.fields.String(required=True, allow_none=True)
    location = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "{latitude, longitude}, when the scene is placed"})
    floor = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "{floor_plan, x, y}: where the scene lies on its venue's floor plan"})


class RouteStepSchema(ma.Schema):
    scene = ma.fields.Nested(RouteSceneSchema, required=True)
    to_scene = ma.fields.Nested(RouteSceneSchema, required=True)
    link_id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={
        "description": "walkway, stairs, escalator, elevator, ramp or door"})
    action = ma.fields.String(required=True, metadata={
        "description": "How the link is taken (head_north…, straight, left, slight_right, "
                       "around, door, take_elevator, level_elevator …)"})
    bearing = ma.fields.Float(required=True, metadata={"description": "Degrees from north"})
    yaw = ma.fields.Float(required=True, metadata={
        "description": "Where the link's arrow lies in the scene's panorama (degrees)"})
    distance_m = ma.fields.Float(required=True)
    to_level = ma.fields.String(required=True, allow_none=True)
    instruction = ma.fields.String(required=True)


class ArrivalSchema(ma.Schema):
    scene = ma.fields.Nested(RouteSceneSchema, required=True)
    instruction = ma.fields.String(required=True)
    hotspot = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "{id, yaw, pitch} of the shop's hotspot at the goal, if it has one"})


class RouteSchema(ma.Schema):
    found = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "When not found: unreachable, or no_step_free_route"})
    message = ma.fields.String(required=True, allow_none=True)
    step_free = ma.fields.Boolean(required=True)
    start = ma.fields.Nested(RouteSceneSchema, required=True, data_key="from")
    shop = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "{slug, name} of the shop asked for"})
    arrival = ma.fields.Nested(ArrivalSchema, required=True, allow_none=True)
    distance_m = ma.fields.Float(required=True, allow_none=True)
    distance = ma.fields.String(required=True, allow_none=True)
    walking_seconds = ma.fields.Float(required=True, allow_none=True)
    walking_time = ma.fields.String(required=True, allow_none=True)
    wheelchair_seconds = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Only for step-free routes"})
    wheelchair_time = ma.fields.String(required=True, allow_none=True)
    steps = ma.fields.List(ma.fields.Nested(RouteStepSchema), required=True)
    floor_plans = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "The venue floor plans the route's scenes lie on (id, venue, level, "
                       "title, image {url, width, height}), to draw the route on them"})


class DestinationQuerySchema(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200), metadata={
        "description": "Words of the shop's name or description; accents and case do not "
                       "matter"})


class DestinationSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    short_description = ma.fields.String(required=True)
    is_open = ma.fields.Boolean(required=True, allow_none=True)
    opening = ma.fields.String(required=True)


# --- the graph ------------------------------------------------------------------------------


def keeper(app: Flask) -> GraphKeeper:
    """This process's walk graph keeper (one per application)."""
    found = app.extensions.get(KEEPER_KEY)
    if found is None:
        found = app.extensions[KEEPER_KEY] = GraphKeeper()
    return found


def _graph() -> WalkGraph:
    return keeper(current_app).get(db.session, utcnow())


def _scene_view(place: ScenePlace) -> dict[str, Any]:
    return {
        **scene_ref(place), "level": place.level, "location": location(place),  # type: ignore[arg-type]
        "floor": None if place.floor_plan_id is None or place.floor_x is None
        or place.floor_y is None else
        {"floor_plan": place.floor_plan_id, "x": place.floor_x, "y": place.floor_y},
    }


def _floor_plans(places: list[ScenePlace]) -> list[dict[str, Any]]:
    """The drawings of the floor plans ``places`` lie on, in the order the route meets them."""
    ids = list(dict.fromkeys(place.floor_plan_id for place in places
                             if place.floor_plan_id is not None))
    found = {plan.id: plan for plan in db.session.scalars(
        select(FloorPlan).where(FloorPlan.id.in_(ids)))} if ids else {}
    views = (floor_plan_view(found[plan_id]) for plan_id in ids if plan_id in found)
    return [view for view in views if view is not None]


def _public(graph: WalkGraph, slug: str) -> ScenePlace:
    place = graph.by_slug.get(slug)
    if place is None:
        raise SceneNotFound()
    return place


# --- endpoints ------------------------------------------------------------------------------


@bp.route("", methods=["GET"])
@cached
@bp.arguments(RouteQuerySchema, location="query")
@bp.response(200, RouteSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_route(query: dict[str, Any]) -> dict[str, Any]:
    """The route from a scene to a shop or scene, step by step (see the module)."""
    now = utcnow()
    graph = _graph()
    start = _public(graph, query["from_"])
    shop: Shop | None = None
    if query["to_shop"] is not None:
        shop = db.session.query(Shop).filter_by(slug=query["to_shop"]).one_or_none()
        goals = shop_goals(db.session, graph, shop, now) if shop is not None else []
        if not goals:
            raise ShopNotReachable()
        # a route request counts for the shop's statistics (a count a day, nobody's trace)
        count_visit(StatEvent.ROUTE_REQUEST, shop.id)
    else:
        goals = [ShopGoal(_public(graph, query["to_scene"]).id, None)]
    step_free = bool(query["step_free"])
    route = graph.route_to_any(start.id, [goal.scene_id for goal in goals], step_free=step_free)
    answer: dict[str, Any] = {
        "found": route is not None, "reason": None, "message": None, "step_free": step_free,
        "start": _scene_view(start),
        "shop": {"slug": shop.slug, "name": text(shop.name)} if shop is not None else None,
        "arrival": None, "distance_m": None, "distance": None, "walking_seconds": None,
        "walking_time": None, "wheelchair_seconds": None, "wheelchair_time": None, "steps": [],
        "floor_plans": [],
    }
    goal_name = text(shop.name) if shop is not None else text(graph.scenes[goals[0].scene_id].title)
    if route is None:
        without_steps = step_free and graph.route_to_any(
            start.id, [goal.scene_id for goal in goals], step_free=False) is not None
        answer["reason"] = "no_step_free_route" if without_steps else "unreachable"
        answer["message"] = (
            route_directions.no_step_free_route(goal_name) if without_steps
            else route_directions.unreachable(goal_name))
        return answer
    steps = graph.steps(route)
    goal_id = route.legs[-1].to_scene_id if route.legs else start.id
    goal = next(goal for goal in goals if goal.scene_id == goal_id)
    answer.update({
        "distance_m": round(route.length_m, 1),
        "distance": route_directions.distance_text(route.length_m),
        "walking_seconds": round(route.length_m / WALKING_SPEED_M_S, 1),
        "walking_time": route_directions.duration_text(route.length_m / WALKING_SPEED_M_S),
        "steps": [{
            "scene": _scene_view(step.scene), "to_scene": _scene_view(step.to_scene),
            "link_id": step.link_id, "kind": step.kind.value, "action": step.action,
            "bearing": step.bearing, "yaw": round(step.yaw, 2),
            "distance_m": round(step.length_m, 1), "to_level": step.to_level,
            "instruction": route_directions.instruction(step, text(step.to_scene.title)),
        } for step in steps],
        "arrival": {
            "scene": _scene_view(graph.scenes[goal_id]),
            "instruction": route_directions.arrival(goal_name),
            "hotspot": None if goal.hotspot is None else {
                "id": goal.hotspot.id, "yaw": goal.hotspot.yaw, "pitch": goal.hotspot.pitch},
        },
    })
    answer["floor_plans"] = _floor_plans(
        [start, *(step.to_scene for step in steps)])
    if step_free:
        answer["wheelchair_seconds"] = round(route.length_m / WHEELCHAIR_SPEED_M_S, 1)
        answer["wheelchair_time"] = route_directions.duration_text(
            route.length_m / WHEELCHAIR_SPEED_M_S)
    return answer


@bp.route("/destinations", methods=["GET"])
@cached
@bp.arguments(DestinationQuerySchema, location="query")
@bp.response(200, DestinationSchema(many=True))
def list_destinations(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Shops a route can lead to, matching every word of ``q`` (all of them, by name, without
    one), at most 20."""
    now = utcnow()
    words = search_words(query["q"])
    found = [shop for shop in reachable_shops(db.session, _graph(), now)
             if shop.status is ShopStatus.PUBLISHED
             and all(word in (shop.search_text or "") for word in words)]
    found.sort(key=lambda shop: text(shop.name).casefold())
    answers = []
    for shop in found[:MAX_DESTINATIONS]:
        opening = shop_presenter.opening_view(shop, now)
        answers.append({
            "slug": shop.slug, "name": text(shop.name),
            "category": text(shop.category.label), "short_description": text(
                shop.short_description),
            "is_open": opening["is_open"] if opening["known"] else None,
            "opening": opening["summary"],
        })
    return answers
