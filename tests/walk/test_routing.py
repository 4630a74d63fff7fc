"""``tours.routing``: shortest routes through the walk's links, step-free on request."""

from __future__ import annotations

import pytest

from tours.models import LinkKind
from tours.routing import (
    UNKNOWN_LENGTH_M,
    WALKING_SPEED_M_S,
    WHEELCHAIR_SPEED_M_S,
    PlaceFact,
    Route,
    RouteGraph,
    WayFact,
    distance_m,
)

#: a square of scenes about 100 m apart (0.0009° of latitude ≈ 100 m), and a mall hall
PLACES = [
    PlaceFact(1, 48.1000, 11.5000),  # market
    PlaceFact(2, 48.1009, 11.5000),  # north of the market
    PlaceFact(3, 48.1009, 11.50135),  # north-east
    PlaceFact(4, 48.1000, 11.50135),  # east
    PlaceFact(5, None, None, "1"),  # the mall's upper floor (no position)
]


def both(link_id: int, a: int, b: int, **fields) -> list[WayFact]:
    return [WayFact(link_id, a, b, **fields), WayFact(link_id + 100, b, a, **fields)]


def graph(*, closed_east: bool = False) -> RouteGraph:
    ways = [*both(1, 1, 2), *both(2, 2, 3), *both(3, 3, 4),
            # a short cut from the market to the east, by stairs
            *both(4, 1, 4, kind=LinkKind.STAIRS, length_m=30.0, closed=closed_east),
            # the upper floor: by escalator from the east, by elevator from the north-east
            *both(5, 4, 5, kind=LinkKind.ESCALATOR, length_m=15.0),
            *both(6, 3, 5, kind=LinkKind.ELEVATOR, length_m=25.0)]
    return RouteGraph(PLACES, ways)


def test_the_shortest_route_takes_the_stairs_when_steps_are_fine():
    route = graph().route(1, 4)
    assert [leg.link_id for leg in route.legs] == [4]
    assert route.length_m == 30.0
    assert route.seconds == pytest.approx(30.0 / WALKING_SPEED_M_S)


def test_a_step_free_route_walks_round_and_takes_the_elevator():
    route = graph().route(1, 5, step_free=True)
    assert [leg.to_scene_id for leg in route.legs] == [2, 3, 5]
    assert {leg.kind for leg in route.legs} <= {LinkKind.WALKWAY, LinkKind.ELEVATOR}
    # lengths from the positions where the link has none
    north = distance_m(PLACES[0], PLACES[1])
    assert 95 < north < 105
    assert route.length_m == pytest.approx(north + distance_m(PLACES[1], PLACES[2]) + 25.0)
    assert route.seconds == pytest.approx(route.length_m / WHEELCHAIR_SPEED_M_S)
    # with steps allowed, the stairs and the escalator are shorter
    assert [leg.link_id for leg in graph().route(1, 5).legs] == [4, 5]


def test_closed_links_are_never_taken():
    route = graph(closed_east=True).route(1, 4)
    # round by the north, then (shorter than the last street) up and down through the mall
    assert [leg.to_scene_id for leg in route.legs] == [2, 3, 5, 4]
    assert not {4, 104} & {leg.link_id for leg in route.legs}


def test_no_step_free_route_is_said_not_faked():
    ways = [*both(1, 1, 2), *both(2, 2, 3, kind=LinkKind.STAIRS)]
    stairs_only = RouteGraph(PLACES[:3], ways)
    assert stairs_only.route(1, 3) is not None
    assert stairs_only.route(1, 3, step_free=True) is None


def test_unreachable_and_unknown_scenes_have_no_route():
    lonely = RouteGraph([*PLACES, PlaceFact(9, 48.2, 11.6)], both(1, 1, 2))
    assert lonely.route(1, 9) is None
    assert lonely.route(1, 12345) is None
    assert lonely.route(12345, 1) is None
    assert lonely.route(1, 1).legs == ()
    assert lonely.size == (6, 2)


def test_links_between_unplaced_scenes_still_count():
    unplaced = RouteGraph([PlaceFact(1), PlaceFact(2), PlaceFact(3)],
                          [*both(1, 1, 2), *both(2, 2, 3)])
    route = unplaced.route(1, 3)
    assert route.length_m == 2 * UNKNOWN_LENGTH_M


def test_of_two_links_between_the_same_scenes_the_shorter_counts():
    twice = RouteGraph(PLACES[:2], [WayFact(1, 1, 2, length_m=80.0),
                                    WayFact(2, 1, 2, length_m=60.0, kind=LinkKind.STAIRS)])
    assert [leg.link_id for leg in twice.route(1, 2).legs] == [2]
    assert [leg.link_id for leg in twice.route(1, 2, step_free=True).legs] == [1]
    # links are one-way: the way back needs its own link
    assert twice.route(2, 1) is None


def test_the_nearest_of_several_goals_is_reached_in_one_search() -> None:
    places = [PlaceFact(n) for n in range(1, 6)]
    ways = [WayFact(10, 1, 2, length_m=10.0), WayFact(11, 2, 3, length_m=10.0),
            WayFact(12, 1, 4, length_m=5.0), WayFact(13, 4, 5, length_m=50.0)]
    graph = RouteGraph(places, ways)

    nearest = graph.route_to_nearest(1, [5, 3, 99])

    assert nearest is not None
    assert [leg.to_scene_id for leg in nearest.legs] == [2, 3]
    assert graph.route_to_nearest(1, [1, 5]) == Route((), 0.0, False)
    assert graph.route_to_nearest(1, [99]) is None
    assert graph.route_to_nearest(99, [1]) is None
