"""Wayfinding through the public walk: which scenes and links a route may use, where a shop
can be reached, and the route as steps a visitor can follow.

:mod:`tours.routing` knows graphs; this module knows the walk. The graph holds only what
visitors may open (``tours.walk``'s rule: scenes reachable from published tours) and the links
between them that are open now. Building it reads every scene and link, so whoever serves
routes keeps it (:class:`WalkGraph`) and asks :func:`graph_stamp` — a handful of aggregates —
whether it is still current; it also goes stale by itself when a closure ends or a tour's
publication window opens or closes (:attr:`WalkGraph.valid_until`).

A step's *action* says how the visitor takes the link, independent of language: a turn
relative to the way they arrived (``straight``, ``slight_left``, ``left``, ``around`` …), a
compass direction for the first step, a level change by elevator, escalator, stairs or ramp,
or a door. The server turns actions into sentences in the visitor's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tours.models import (
    Hotspot,
    HotspotKind,
    HotspotStatus,
    Link,
    LinkKind,
    Panorama,
    Scene,
    Shop,
    ShopStatus,
    Tour,
)
from tours.routing import Leg, PlaceFact, Route, RouteGraph, WayFact
from tours.walk import link_yaw, public_scene_ids

#: turns smaller than this (degrees) are "straight on"; up to the next "slight"; up to the
#: last a plain turn; beyond it the way leads back
STRAIGHT_DEGREES = 25.0
SLIGHT_DEGREES = 60.0
TURN_DEGREES = 140.0
#: the kinds that carry a visitor from one level to another
LEVEL_CHANGERS = frozenset({LinkKind.ELEVATOR, LinkKind.ESCALATOR, LinkKind.STAIRS,
                            LinkKind.RAMP})
COMPASS = ("north", "north_east", "east", "south_east", "south", "south_west", "west",
           "north_west")


@dataclass(frozen=True)
class ScenePlace:
    """What a route step needs to know of a public scene."""

    id: int
    slug: str
    title: dict[str, str]
    level: str | None
    latitude: float | None
    longitude: float | None
    north_offset: float
    floor_plan_id: int | None
    floor_x: float | None
    floor_y: float | None


@dataclass(frozen=True)
class Step:
    """One link to take: from ``scene`` to ``to_scene``, how (``action``), in which
    direction (``bearing`` from north, ``yaw`` of its arrow in the scene's panorama) and how
    far."""

    scene: ScenePlace
    to_scene: ScenePlace
    link_id: int
    kind: LinkKind
    bearing: float
    yaw: float
    length_m: float
    action: str
    #: the level arrived at, when the step changes levels
    to_level: str | None


class WalkGraph:
    """The public walk as a routing graph, with the scenes a route can name."""

    def __init__(self, scenes: dict[int, ScenePlace], links: dict[int, LinkFact],
                 graph: RouteGraph, *, stamp: tuple[object, ...], built_at: dt.datetime,
                 valid_until: dt.datetime | None) -> None:
        self.scenes = scenes
        self.by_slug = {scene.slug: scene for scene in scenes.values()}
        self.links = links
        self.graph = graph
        self.stamp = stamp
        self.built_at = built_at
        self.valid_until = valid_until

    def is_current(self, stamp: tuple[object, ...], now: dt.datetime) -> bool:
        """True while nothing that routes depend on changed and no closure or publication
        window ended or began since the graph was built."""
        return stamp == self.stamp and (self.valid_until is None or now < self.valid_until)

    def route_to_any(self, from_scene_id: int, goals: Iterable[int], *, step_free: bool
                     ) -> Route | None:
        """The shortest of the routes to any of ``goals`` (a shop may be reached at several
        scenes: its door in the street, its inside); None when none can be reached."""
        return self.graph.route_to_nearest(from_scene_id, goals, step_free=step_free)

    def steps(self, route: Route) -> list[Step]:
        """The route's legs as steps with their actions (see the module)."""
        steps: list[Step] = []
        arrived_bearing: float | None = None
        for leg in route.legs:
            link = self.links[leg.link_id]
            scene, target = self.scenes[leg.from_scene_id], self.scenes[leg.to_scene_id]
            to_level = target.level if _changes_level(leg, scene, target) else None
            action = _action(leg.kind, link.bearing, arrived_bearing, changes_level=to_level
                             is not None)
            steps.append(Step(scene, target, leg.link_id, leg.kind, link.bearing,
                              link_yaw(link.bearing, scene.north_offset), leg.length_m,
                              action, to_level))
            # out of an elevator or off another level the way one came says nothing about
            # left and right: the next step names a compass direction again
            arrived_bearing = None if to_level is not None or leg.kind is LinkKind.ELEVATOR \
                else link.bearing
        return steps


@dataclass(frozen=True)
class LinkFact:
    """The parts of a link a route step reads (kept instead of the ORM row)."""

    id: int
    bearing: float


def _changes_level(leg: Leg, scene: ScenePlace, target: ScenePlace) -> bool:
    return leg.kind in LEVEL_CHANGERS and target.level is not None and target.level != scene.level


def turn_degrees(arrived_bearing: float, bearing: float) -> float:
    """The turn from the way one arrived to the way on, −180 < turn ≤ 180 (positive: right)."""
    turn = (bearing - arrived_bearing + 180.0) % 360.0 - 180.0
    return 180.0 if turn == -180.0 else turn


def compass_point(bearing: float) -> str:
    """The nearest of the eight compass points to ``bearing``."""
    return COMPASS[round((bearing % 360.0) / 45.0) % 8]


def _action(kind: LinkKind, bearing: float, arrived_bearing: float | None, *,
            changes_level: bool) -> str:
    if changes_level:
        return f"level_{kind.value}"
    if kind in (LinkKind.ELEVATOR, LinkKind.ESCALATOR, LinkKind.STAIRS):
        return f"take_{kind.value}"
    if kind is LinkKind.DOOR:
        return "door"
    if arrived_bearing is None:
        return f"head_{compass_point(bearing)}"
    return turn_action(turn_degrees(arrived_bearing, bearing))


def turn_action(turn: float) -> str:
    """``straight``, ``slight_left``/``slight_right``, ``left``/``right`` or ``around``."""
    side = "right" if turn > 0 else "left"
    if abs(turn) < STRAIGHT_DEGREES:
        return "straight"
    if abs(turn) < SLIGHT_DEGREES:
        return f"slight_{side}"
    return side if abs(turn) <= TURN_DEGREES else "around"


# --- building and keeping the graph ---------------------------------------------------------


def graph_stamp(session: Session) -> tuple[object, ...]:
    """Cheap aggregates that change whenever a scene, link, tour or panorama is added, changed
    or removed: a graph built under another stamp is stale."""
    stamp: list[object] = []
    for model in (Scene, Link, Tour, Panorama):
        stamp.extend(session.execute(
            select(func.count(model.id), func.max(model.id), func.max(model.updated_at))).one())
    return tuple(stamp)


def build_walk_graph(session: Session, now: dt.datetime) -> WalkGraph:
    """The public walk at ``now`` as a routing graph (reads every scene and link once)."""
    stamp = graph_stamp(session)
    public = public_scene_ids(session, now)
    scenes = {
        row.id: ScenePlace(row.id, row.slug, dict(row.title or {}), row.level, row.latitude,
                           row.longitude, row.north_offset, row.floor_plan_id, row.floor_x,
                           row.floor_y)
        for row in session.execute(select(
            Scene.id, Scene.slug, Scene.title, Scene.level, Scene.latitude, Scene.longitude,
            Scene.north_offset, Scene.floor_plan_id, Scene.floor_x, Scene.floor_y))
        # filtered here rather than by an IN list, which has a size limit on SQLite
        if row.id in public
    }
    ways: list[WayFact] = []
    links: dict[int, LinkFact] = {}
    ends: list[dt.datetime] = []
    for row in session.execute(select(
            Link.id, Link.from_scene_id, Link.to_scene_id, Link.kind, Link.length_m,
            Link.closed_until, Link.bearing)):
        if row.from_scene_id not in scenes or row.to_scene_id not in scenes:
            continue
        closed = row.closed_until is not None and row.closed_until > now
        if closed:
            ends.append(row.closed_until)
        ways.append(WayFact(row.id, row.from_scene_id, row.to_scene_id, row.kind, row.length_m,
                            closed))
        links[row.id] = LinkFact(row.id, row.bearing)
    places = [PlaceFact(scene.id, scene.latitude, scene.longitude, scene.level)
              for scene in scenes.values()]
    for start, end in session.execute(select(Tour.publish_from, Tour.publish_until)):
        ends.extend(moment for moment in (start, end) if moment is not None and moment > now)
    return WalkGraph(scenes, links, RouteGraph(places, ways), stamp=stamp, built_at=now,
                     valid_until=min(ends) if ends else None)


class GraphKeeper:
    """One process's walk graph: rebuilt when :func:`graph_stamp` changes or it expires.
    Not locked: two threads may both rebuild once; either result is the same graph."""

    def __init__(self) -> None:
        self._graph: WalkGraph | None = None
        self.builds = 0

    def get(self, session: Session, now: dt.datetime) -> WalkGraph:
        graph = self._graph
        if graph is None or not graph.is_current(graph_stamp(session), now):
            graph = self._graph = build_walk_graph(session, now)
            self.builds += 1
        return graph


# --- where a shop is reached ----------------------------------------------------------------


@dataclass(frozen=True)
class ShopGoal:
    """A scene where a shop can be reached, and its hotspot there (None inside the shop)."""

    scene_id: int
    hotspot: Hotspot | None


def shop_goals(session: Session, graph: WalkGraph, shop: Shop, now: dt.datetime
               ) -> list[ShopGoal]:
    """The public scenes where ``shop`` (published) is shown: those with its approved, valid
    shop hotspot, and its own interior scenes."""
    if shop.status is not ShopStatus.PUBLISHED:
        return []
    goals: dict[int, ShopGoal] = {}
    for hotspot in session.scalars(
            select(Hotspot).where(Hotspot.shop_id == shop.id, Hotspot.kind == HotspotKind.SHOP,
                                  Hotspot.status == HotspotStatus.APPROVED)
            .order_by(Hotspot.id)):
        if hotspot.scene_id in graph.scenes and hotspot.is_valid_at(now) \
                and hotspot.scene_id not in goals:
            goals[hotspot.scene_id] = ShopGoal(hotspot.scene_id, hotspot)
    for scene_id in session.scalars(select(Scene.id).where(Scene.shop_id == shop.id)):
        if scene_id in graph.scenes and scene_id not in goals:
            goals[scene_id] = ShopGoal(scene_id, None)
    return list(goals.values())


def reachable_shops(session: Session, graph: WalkGraph, now: dt.datetime) -> list[Shop]:
    """Published shops a route can lead to (shown in at least one public scene), by slug."""
    scene_ids = set(graph.scenes)
    if not scene_ids:
        return []
    shop_ids = {hotspot.shop_id for hotspot in session.scalars(
        select(Hotspot).where(Hotspot.kind == HotspotKind.SHOP,
                              Hotspot.status == HotspotStatus.APPROVED))
        if hotspot.scene_id in scene_ids and hotspot.is_valid_at(now)}
    shop_ids |= {shop_id for scene_id, shop_id in session.execute(
        select(Scene.id, Scene.shop_id).where(Scene.shop_id.is_not(None)))
        if scene_id in scene_ids}
    if not shop_ids:
        return []
    return list(session.scalars(select(Shop).where(
        Shop.id.in_(shop_ids), Shop.status == ShopStatus.PUBLISHED).order_by(Shop.slug)))
