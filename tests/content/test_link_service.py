"""Links: created both ways by default, one way on request, never twice or to the same scene."""

from __future__ import annotations

import datetime as dt

import pytest

from tours import links
from tours.models import LinkKind
from tours.scenes import SceneNotFound, UnknownScene
from tours.validation import InvalidChoice, MissingValue, OutOfRange

CLOSED = dt.datetime(2026, 12, 24, 18, tzinfo=dt.UTC)


@pytest.fixture
def market_and_hall(make_scene, make_panorama):
    panorama = make_panorama()
    return (make_scene(panorama, slug="market-square"), make_scene(panorama, slug="town-hall"))


def test_a_link_is_created_with_its_way_back(session, market_and_hall):
    market, hall = market_and_hall
    created = links.add_link(session, market.id, {
        "to_scene_id": hall.id, "bearing": 300, "length_m": 42.5, "kind": "elevator",
        "closed_until": CLOSED, "closed_reason": {"de": "Wartung"}, "label": {"en": "Hall"},
    })
    session.commit()
    forward, back = created
    assert (forward.from_scene_id, forward.to_scene_id, forward.bearing) == (market.id, hall.id,
                                                                            300.0)
    assert (back.from_scene_id, back.to_scene_id, back.bearing) == (hall.id, market.id, 120.0)
    assert back.kind is forward.kind is LinkKind.ELEVATOR
    assert back.length_m == 42.5
    assert back.closed_until == CLOSED
    assert back.closed_reason == {"de": "Wartung"}
    assert back.label == {}, "a label names the way there, not the way back"
    assert [link.id for link in links.list_links(session, hall.id)] == [back.id]
    assert back.is_closed(CLOSED - dt.timedelta(minutes=1))
    assert not back.is_closed(CLOSED)


def test_one_way_links_and_an_existing_way_back(session, market_and_hall):
    market, hall = market_and_hall
    [one_way] = links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 10},
                               both_directions=False)
    assert links.list_links(session, hall.id) == []
    [back] = links.add_link(session, hall.id, {"to_scene_id": market.id, "bearing": 185})
    assert back.bearing == 185.0
    assert links.list_links(session, market.id) == [one_way], "the existing link is left alone"


def test_links_are_not_duplicated_nor_lead_to_their_own_scene(session, market_and_hall):
    market, hall = market_and_hall
    links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 10})
    with pytest.raises(links.LinkExists) as duplicate:
        links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 20})
    assert duplicate.value.field == "to_scene_id"
    with pytest.raises(links.LinkToItself):
        links.add_link(session, market.id, {"to_scene_id": market.id, "bearing": 20})


@pytest.mark.parametrize(("fields", "error", "field"), [
    ({"bearing": 10}, MissingValue, "to_scene_id"),
    ({"to_scene_id": 999_999, "bearing": 10}, UnknownScene, "to_scene_id"),
    ({"to_scene_id": "hall", "bearing": -1}, OutOfRange, "bearing"),
    ({"to_scene_id": "hall", "bearing": 10, "length_m": -3}, OutOfRange, "length_m"),
    ({"to_scene_id": "hall", "bearing": 10, "kind": "teleporter"}, InvalidChoice, "kind"),
])
def test_invalid_links_are_refused(session, market_and_hall, fields, error, field):
    market, hall = market_and_hall
    if fields.get("to_scene_id") == "hall":
        fields = {**fields, "to_scene_id": hall.id}
    with pytest.raises(error) as refused:
        links.add_link(session, market.id, fields)
    assert refused.value.field == field


def test_links_of_an_unknown_scene(session):
    with pytest.raises(SceneNotFound):
        links.list_links(session, 999_999)


def test_a_link_is_changed_and_deleted_with_or_without_its_way_back(session, market_and_hall):
    market, hall = market_and_hall
    forward, back = links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 0})
    changed = links.update_link(session, forward.id, {"bearing": 360, "kind": LinkKind.STAIRS,
                                                      "length_m": None})
    assert (changed.bearing, changed.kind, changed.length_m) == (0.0, LinkKind.STAIRS, None)
    assert back.kind is LinkKind.WALKWAY, "only the link asked for changes"
    with pytest.raises(TypeError):
        links.update_link(session, forward.id, {"to_scene_id": market.id})
    links.delete_link(session, forward.id)
    assert [link.id for link in links.list_links(session, hall.id)] == [back.id]
    forward, = links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 0})
    links.delete_link(session, forward.id, both_directions=True)
    assert links.list_links(session, hall.id) == []
    with pytest.raises(links.LinkNotFound):
        links.delete_link(session, forward.id)
