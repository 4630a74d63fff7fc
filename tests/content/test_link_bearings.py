"""A link's bearing from the two scenes' positions: the rule (``tours.walk_plan``), the service
(``tours.links.add_link`` without a bearing) and ``POST /api/scenes/<id>/links``."""

from __future__ import annotations

import math

import pytest

from tours import links
from tours.models import Role
from tours.walk_plan import PlanPosition, initial_bearing

MARKET = PlanPosition(48.1374, 11.5755)
METRES_PER_DEGREE = 6371008.8 * math.pi / 180


def offset(start: PlanPosition, east_m: float, north_m: float) -> PlanPosition:
    """A position ``east_m`` metres east and ``north_m`` metres north of ``start``."""
    return PlanPosition(
        start.latitude + north_m / METRES_PER_DEGREE,
        start.longitude + east_m / (METRES_PER_DEGREE * math.cos(math.radians(start.latitude))))


@pytest.mark.parametrize(("east", "north", "bearing"), [
    (0, 100, 0.0), (100, 0, 90.0), (0, -100, 180.0), (-100, 0, 270.0),
    (100, 100, 45.0), (-30, 52, 360 - math.degrees(math.atan2(30, 52))),
])
def test_the_bearing_is_the_direction_on_the_plan_clockwise_from_north(east, north, bearing):
    found = initial_bearing(MARKET, offset(MARKET, east, north))
    assert found is not None
    assert 0 <= found < 360
    # at city scale the great circle's initial course is the straight line on the plan
    assert min(abs(found - bearing), 360 - abs(found - bearing)) < 0.01


def test_the_bearing_over_long_distances_follows_the_great_circle():
    # Paris → New York leaves Paris towards the north-west (about 291.8°), not west-south-west
    # as a straight line on a Mercator map would
    found = initial_bearing(PlanPosition(48.8566, 2.3522), PlanPosition(40.7128, -74.0060))
    assert found == pytest.approx(291.8, abs=0.1)
    assert initial_bearing(PlanPosition(0, 0), PlanPosition(0, 10)) == pytest.approx(90)


def test_no_bearing_between_two_scenes_at_the_same_place():
    assert initial_bearing(MARKET, PlanPosition(MARKET.latitude, MARKET.longitude)) is None


@pytest.fixture
def three_scenes(make_scene, make_panorama):
    """The market, the hall 80 m east and 60 m north of it, and the attic without a position."""
    panorama = make_panorama()
    hall = offset(MARKET, 80, 60)
    return (make_scene(panorama, slug="market-square", latitude=MARKET.latitude,
                       longitude=MARKET.longitude),
            make_scene(panorama, slug="town-hall", latitude=hall.latitude,
                       longitude=hall.longitude),
            make_scene(panorama, slug="attic"))


def test_a_link_without_a_bearing_takes_it_from_the_positions(session, three_scenes):
    market, hall, _attic = three_scenes
    forward, back = links.add_link(session, market.id, {"to_scene_id": hall.id})
    expected = math.degrees(math.atan2(80, 60))
    assert forward.bearing == pytest.approx(expected, abs=0.01)
    assert back.bearing == pytest.approx(expected + 180, abs=0.01)
    assert (back.from_scene_id, back.to_scene_id) == (hall.id, market.id)


def test_without_positions_the_bearing_must_be_given(session, three_scenes, make_scene):
    market, _hall, attic = three_scenes
    with pytest.raises(links.BearingUnknown) as refused:
        links.add_link(session, market.id, {"to_scene_id": attic.id})
    assert refused.value.field == "bearing"
    twin = make_scene(slug="market-twin", latitude=MARKET.latitude, longitude=MARKET.longitude)
    with pytest.raises(links.BearingUndefined):
        links.add_link(session, market.id, {"to_scene_id": twin.id})
    assert links.list_links(session, market.id) == []
    [made] = links.add_link(session, market.id, {"to_scene_id": attic.id, "bearing": 12},
                            both_directions=False)
    assert made.bearing == 12.0


def test_the_api_computes_an_omitted_bearing(client, auth_headers, three_scenes):
    market, hall, attic = three_scenes
    editor = auth_headers(Role.EDITOR)
    created = client.post(f"/api/scenes/{market.id}/links", headers=editor,
                          json={"to_scene_id": hall.id})
    assert created.status_code == 201, created.get_json()
    forward, back = created.get_json()
    assert forward["bearing"] == pytest.approx(math.degrees(math.atan2(80, 60)), abs=0.01)
    assert back["bearing"] == pytest.approx(forward["bearing"] + 180, abs=0.01)

    refused = client.post(f"/api/scenes/{market.id}/links", headers=editor,
                          json={"to_scene_id": attic.id})
    assert refused.status_code == 422
    answer = refused.get_json()
    assert "position" in answer["message"]
    assert answer["errors"]["json"]["bearing"] == [answer["message"]]
    assert client.get(f"/api/scenes/{attic.id}/links", headers=editor).get_json() == []
    given = client.post(f"/api/scenes/{market.id}/links", headers=editor,
                        json={"to_scene_id": attic.id, "bearing": 270, "both_directions": False})
    assert given.status_code == 201
    assert given.get_json()[0]["bearing"] == 270.0
