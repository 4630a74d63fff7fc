"""Finding the way through the walk: the links as a weighted graph and shortest routes on it.

The graph is built once from plain facts about scenes and links (:class:`PlaceFact`,
:class:`WayFact`) and kept by whoever serves routes, so a query is only a shortest-path search
(scipy's compiled Dijkstra over a sparse matrix). Each link is a directed edge; its cost is its
walking length: the length an editor set, else the great-circle distance between the two
scenes' positions, else :data:`UNKNOWN_LENGTH_M` (a link between unplaced scenes still joins
them, at the cost of a short walk).

Closed links (``closed_until`` after the moment the graph is built for) are never used.
Step-free routes also avoid stairs and escalators (walkways, ramps, elevators and doors stay);
when no step-free route exists the answer says so rather than offering steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from tours.models import LinkKind

#: mean radius of the Earth in metres (the plan uses the same sphere)
EARTH_RADIUS_M = 6_371_008.8
#: the cost of a link whose length nobody knows and whose scenes have no position
UNKNOWN_LENGTH_M = 20.0
#: the kinds a step-free route never takes
NOT_STEP_FREE = frozenset({LinkKind.STAIRS, LinkKind.ESCALATOR})
#: speeds for the walking time: an unhurried walk, and a manual wheelchair
WALKING_SPEED_M_S = 1.3
WHEELCHAIR_SPEED_M_S = 1.0


@dataclass(frozen=True)
class PlaceFact:
    """What routing knows of a scene."""

    scene_id: int
    latitude: float | None = None
    longitude: float | None = None
    level: str | None = None


@dataclass(frozen=True)
class WayFact:
    """What routing knows of a link (one direction)."""

    link_id: int
    from_scene_id: int
    to_scene_id: int
    kind: LinkKind = LinkKind.WALKWAY
    length_m: float | None = None
    closed: bool = False


@dataclass(frozen=True)
class Leg:
    """One link to take: from a scene to the next, and how far."""

    link_id: int
    from_scene_id: int
    to_scene_id: int
    kind: LinkKind
    length_m: float


@dataclass(frozen=True)
class Route:
    """The legs from start to goal (none when both are the same scene) and their total."""

    legs: tuple[Leg, ...]
    length_m: float
    step_free: bool

    @property
    def seconds(self) -> float:
        """The walking time, or the wheelchair time for a step-free route."""
        speed = WHEELCHAIR_SPEED_M_S if self.step_free else WALKING_SPEED_M_S
        return self.length_m / speed


def distance_m(start: PlaceFact, end: PlaceFact) -> float | None:
    """The great-circle distance between two placed scenes; None when one has no position."""
    if None in (start.latitude, start.longitude, end.latitude, end.longitude):
        return None
    phi1, phi2 = math.radians(start.latitude), math.radians(end.latitude)  # type: ignore[arg-type]
    dphi = phi2 - phi1
    dlambda = math.radians(end.longitude - start.longitude)  # type: ignore[operator]
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class RouteGraph:
    """The walk's links as two sparse graphs (every open link; the step-free ones)."""

    def __init__(self, places: Iterable[PlaceFact], ways: Iterable[WayFact]) -> None:
        self.places = {place.scene_id: place for place in places}
        self._index = {scene_id: number for number, scene_id in enumerate(self.places)}
        self._scene_ids = np.fromiter(self.places, dtype=np.int64, count=len(self.places))
        best: dict[tuple[int, int], Leg] = {}
        best_step_free: dict[tuple[int, int], Leg] = {}
        for way in ways:
            if way.closed or way.from_scene_id not in self._index \
                    or way.to_scene_id not in self._index:
                continue
            length = way.length_m if way.length_m is not None else distance_m(
                self.places[way.from_scene_id], self.places[way.to_scene_id])
            leg = Leg(way.link_id, way.from_scene_id, way.to_scene_id, way.kind,
                      max(float(length if length is not None else UNKNOWN_LENGTH_M), 0.01))
            pair = (self._index[way.from_scene_id], self._index[way.to_scene_id])
            # of two links between the same scenes, the shorter counts (one edge per pair)
            if pair not in best or leg.length_m < best[pair].length_m:
                best[pair] = leg
            if way.kind not in NOT_STEP_FREE and (
                    pair not in best_step_free or leg.length_m < best_step_free[pair].length_m):
                best_step_free[pair] = leg
        self._legs = {False: best, True: best_step_free}
        self._matrices = {False: self._matrix(best), True: self._matrix(best_step_free)}

    def _matrix(self, legs: dict[tuple[int, int], Leg]) -> csr_matrix:
        size = len(self._index)
        if not legs:
            return csr_matrix((size, size))
        rows, columns = zip(*legs, strict=True)
        weights = [leg.length_m for leg in legs.values()]
        return csr_matrix((weights, (rows, columns)), shape=(size, size))

    @property
    def size(self) -> tuple[int, int]:
        """How many scenes and usable links the graph holds."""
        return len(self._index), len(self._legs[False])

    def route(self, from_scene_id: int, to_scene_id: int, *, step_free: bool = False
              ) -> Route | None:
        """The shortest route, or None when the goal cannot be reached (with ``step_free``,
        not without steps). Unknown scenes cannot be reached either."""
        return self.route_to_nearest(from_scene_id, (to_scene_id,), step_free=step_free)

    def route_to_nearest(self, from_scene_id: int, goals: Iterable[int], *,
                         step_free: bool = False) -> Route | None:
        """The shortest route to whichever of ``goals`` is nearest (one search from the
        start); None when none can be reached. Of two equally near goals the lower id wins."""
        if from_scene_id not in self._index:
            return None
        targets = sorted(goal for goal in set(goals) if goal in self._index)
        if not targets:
            return None
        if from_scene_id in targets:
            return Route((), 0.0, step_free)
        start = self._index[from_scene_id]
        lengths, previous = dijkstra(self._matrices[step_free], indices=start,
                                     return_predecessors=True)
        goal = min((self._index[target] for target in targets), key=lambda node: lengths[node])
        if not math.isfinite(lengths[goal]):
            return None
        legs_by_pair = self._legs[step_free]
        legs: list[Leg] = []
        node = goal
        while node != start:
            before = int(previous[node])
            legs.append(legs_by_pair[(before, node)])
            node = before
        legs.reverse()
        return Route(tuple(legs), float(lengths[goal]), step_free)
