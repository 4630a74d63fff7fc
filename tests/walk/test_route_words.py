"""How a route step is taken (``tours.wayfinding``) and how far it is said to be
(``server.route_directions``): the pure rules, without a walk."""

from __future__ import annotations

import pytest

from server.route_directions import minutes, rounded_metres
from tours.wayfinding import compass_point, turn_action, turn_degrees


@pytest.mark.parametrize(("arrived", "bearing", "action"), [
    (90, 90, "straight"),
    (90, 110, "straight"),            # 20° is still straight on
    (90, 130, "slight_right"),
    (90, 60, "slight_left"),
    (90, 180, "right"),
    (90, 0, "left"),
    (350, 80, "right"),               # across north
    (10, 280, "left"),
    (0, 170, "around"),
    (0, 190, "around"),
])
def test_a_turn_is_named_from_the_way_one_arrived(arrived: float, bearing: float,
                                                   action: str) -> None:
    assert turn_action(turn_degrees(arrived, bearing)) == action


def test_turns_lie_between_minus_and_plus_half_a_circle() -> None:
    assert turn_degrees(0, 180) == 180
    assert turn_degrees(180, 0) == 180
    assert turn_degrees(350, 10) == pytest.approx(20)
    assert turn_degrees(10, 350) == pytest.approx(-20)


@pytest.mark.parametrize(("bearing", "point"), [
    (0, "north"), (22, "north"), (23, "north_east"), (90, "east"), (200, "south"),
    (250, "west"), (337, "north_west"), (359, "north"),
    (-90, "west"),
])
def test_the_first_step_names_the_nearest_compass_point(bearing: float, point: str) -> None:
    assert compass_point(bearing) == point


@pytest.mark.parametrize(("length", "said"), [
    (0, 0), (0.4, 5), (3, 5), (42, 40), (43, 45), (97.4, 95), (97.6, 100), (104, 100),
    (105, 110), (999, 1000),
])
def test_lengths_are_rounded_as_people_say_them(length: float, said: int) -> None:
    assert rounded_metres(length) == said


@pytest.mark.parametrize(("seconds", "said"), [(0, 0), (1, 1), (60, 1), (61, 2), (600, 10)])
def test_times_are_whole_minutes_rounded_up(seconds: float, said: int) -> None:
    assert minutes(seconds) == said
