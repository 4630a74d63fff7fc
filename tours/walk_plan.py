"""The plan of a tour: where the scenes of its walk lie, which of them are stops, and the ways
between them, for the small map the visitors' viewer draws beside the panorama.

The walk of a tour is what its visitors can reach: the scenes of its shown stops and every scene
reached from them by links through tiled scenes (the rule of ``tours.walk``, started from this
tour's stops only). Each of them is public, since the tour is.

Positions
    A scene is placed by :func:`plan_position`, the one place that says where a scene lies on
    the plan; the viewer projects whatever it answers. Today that is the scene's latitude and
    longitude (set by an editor or taken from the panorama's GPS). When editors can place
    scenes by hand (issue 6: indoor venues, scenes without GPS), their placement is read there,
    and nothing else changes. A scene without a position is left off the plan, and so are its
    links; a plan needs at least two placed scenes to be worth drawing.

Floor plans
    Inside a venue a scene may also lie on a level's floor plan (:func:`floor_position`: the
    plan and fractions of its drawing), which the viewer draws instead of the outdoor plan
    while the visitor is there. Such a scene is on the plan even without a position; only a
    floor plan with a drawing places anything.

Bearings
    Where two placed scenes lie also tells the direction of the way between them
    (:func:`initial_bearing`): a link created without a bearing gets it from there
    (``tours.links.add_link``), so editors linking scenes on their plan set no angle by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tours.models import Link, Scene, View
from tours.walk import TourWithStops, scenes_reachable_from, shown_stops

#: a plan with fewer placed scenes than this shows nothing worth a map
MIN_PLACED_SCENES = 2


@dataclass(frozen=True)
class PlanPosition:
    """Where a scene lies: WGS84 degrees."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class FloorPosition:
    """Where a scene lies on a venue's floor plan: fractions of its drawing's width and height
    from the top left corner."""

    floor_plan_id: int
    x: float
    y: float


@dataclass(frozen=True)
class PlanScene:
    """A placed scene of the walk (at a position, on a floor plan or both), with the numbers
    (1, 2, …) of the stops that show it and the view a jump from the plan opens (its first
    stop's, else the scene's initial view)."""

    scene: Scene
    position: PlanPosition | None
    stops: tuple[int, ...]
    view: View
    floor: FloorPosition | None = None


@dataclass(frozen=True)
class TourPlan:
    """The placed scenes (the stops first, in the tour's order, then the others by slug) and the
    ways between them as pairs of scene slugs (each way once, the smaller slug first, sorted)."""

    scenes: list[PlanScene]
    links: list[tuple[str, str]]

    @property
    def is_drawable(self) -> bool:
        return len(self.scenes) >= MIN_PLACED_SCENES


def plan_position(scene: Scene) -> PlanPosition | None:
    """Where ``scene`` lies on the plan, None when nobody knows."""
    if scene.latitude is None or scene.longitude is None:
        return None
    return PlanPosition(scene.latitude, scene.longitude)


def floor_position(scene: Scene) -> FloorPosition | None:
    """Where ``scene`` lies on a floor plan with a drawing, None when it lies on none."""
    floor_plan = scene.floor_plan
    if (floor_plan is None or not floor_plan.image_key or scene.floor_x is None
            or scene.floor_y is None):
        return None
    return FloorPosition(floor_plan.id, scene.floor_x, scene.floor_y)


def initial_bearing(start: PlanPosition, end: PlanPosition) -> float | None:
    """The compass bearing of the way from ``start`` to ``end``: degrees clockwise from north,
    0 ≤ bearing < 360, the initial course of the great circle between them (at city scale the
    same as the straight line on the plan). None when both lie at the same place, where no
    direction is right."""
    if (start.latitude, start.longitude) == (end.latitude, end.longitude):
        return None
    phi1, phi2 = math.radians(start.latitude), math.radians(end.latitude)
    delta = math.radians(end.longitude - start.longitude)
    east = math.sin(delta) * math.cos(phi2)
    north = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(delta)
    bearing = math.degrees(math.atan2(east, north)) % 360.0
    # −1e-15 % 360 is 360.0: the same direction as 0
    return 0.0 if bearing >= 360.0 else bearing


def tour_plan(session: Session, tour: TourWithStops) -> TourPlan:
    """The plan of ``tour``'s walk (as ``tours.walk.public_tour`` gives it: the published
    stops, their scenes loaded)."""
    stops = shown_stops(tour)
    numbers: dict[int, list[int]] = {}
    views: dict[int, View] = {}
    for number, stop in enumerate(stops, start=1):
        numbers.setdefault(stop.scene_id, []).append(number)
        views.setdefault(stop.scene_id, stop.initial_view or stop.scene.initial_view)
    ids = scenes_reachable_from(session, numbers)
    scenes = list(session.scalars(select(Scene).where(Scene.id.in_(ids))
                                  .options(selectinload(Scene.floor_plan)))) if ids else []
    first_stop = {scene_id: found[0] for scene_id, found in numbers.items()}
    scenes.sort(key=lambda scene: (first_stop.get(scene.id, len(stops) + 1), scene.slug))
    placed = []
    for scene in scenes:
        position, floor = plan_position(scene), floor_position(scene)
        if position is not None or floor is not None:
            placed.append(PlanScene(scene, position, tuple(numbers.get(scene.id, ())),
                                    views.get(scene.id, scene.initial_view), floor))
    slugs = {entry.scene.id: entry.scene.slug for entry in placed}
    pairs = set()
    if slugs:
        for from_id, to_id in session.execute(
                select(Link.from_scene_id, Link.to_scene_id)
                .where(Link.from_scene_id.in_(slugs), Link.to_scene_id.in_(slugs))):
            first, second = sorted((slugs[from_id], slugs[to_id]))
            pairs.add((first, second))
    return TourPlan(placed, sorted(pairs))
