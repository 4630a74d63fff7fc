"""The pure rules of ``tours.walk``: where a link's arrow points, and walking the link graph."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tours.walk import _reachable, link_yaw, normalise_yaw


@pytest.mark.parametrize(("bearing", "north_offset", "yaw"), [
    (0, 0, 0),            # north, in a panorama whose centre faces north
    (90, 0, 90),          # east is to the right
    (270, 0, -90),        # west to the left
    (180, 0, -180),       # south straight behind: 180 is written -180
    (90, 30, 120),        # north lies 30° right of the centre
    (350, 30, 20),        # 380 wraps to 20
    (300, 120, 60),       # 420 wraps to 60
    (200, -100, 100),
    (10, -180, -170),     # north behind the camera
    (170, 10, -180),      # lands exactly on 180
    (0, -180, -180),
    (100, -179, -79),
    (359.5, 0.25, -0.25),
])
def test_link_yaw(bearing, north_offset, yaw):
    assert link_yaw(bearing, north_offset) == pytest.approx(yaw)


@given(st.floats(min_value=0, max_value=360, exclude_max=True),
       st.floats(min_value=-180, max_value=180))
def test_link_yaw_is_the_same_direction_in_range(bearing, north_offset):
    yaw = link_yaw(bearing, north_offset)
    assert -180 <= yaw < 180
    turns = (yaw - north_offset - bearing) / 360
    assert turns == pytest.approx(round(turns), abs=1e-9)


@pytest.mark.parametrize("degrees", [-1e-15, -180 - 1e-14, 540, -540, 179.99999999999997])
def test_normalise_yaw_stays_in_range(degrees):
    assert -180 <= normalise_yaw(degrees) < 180


def test_reachable_follows_links_and_stops_at_cycles():
    neighbours = {1: [2], 2: [1, 3], 3: [2, 4], 4: [2], 5: [1], 6: [6]}
    assert _reachable({1}, neighbours) == {1, 2, 3, 4}
    assert _reachable({5}, neighbours) == {1, 2, 3, 4, 5}
    assert _reachable({6}, neighbours) == {6}
    assert _reachable(set(), neighbours) == set()
