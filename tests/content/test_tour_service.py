"""Tours and stops: numbering without gaps, atomic reordering, one version for the whole tour."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tours import tour_service
from tours.models import Scene, Stop, TourStatus, View
from tours.scenes import UnknownScene
from tours.validation import InvalidPeriod, OutOfRange, SlugTaken, VersionConflict


@pytest.fixture
def scene_ids(make_scene, make_panorama):
    panorama = make_panorama()
    return [make_scene(panorama, slug=f"place-{number}").id for number in range(4)]


@pytest.fixture
def tour(session):
    created = tour_service.create_tour(session, {"slug": "old-town",
                                                 "title": {"de": "Altstadt"}})
    session.commit()  # the make_* fixtures write through sessions of their own
    return created


def positions(session, tour_id):
    return [(stop.position, stop.scene_id) for stop in tour_service.list_stops(session, tour_id)]


def test_a_new_tour_is_a_draft(session, tour):
    assert tour.status is TourStatus.DRAFT
    assert tour.version == 1
    with pytest.raises(SlugTaken):
        tour_service.create_tour(session, {"slug": "old-town", "title": {"de": "Zweite"}})


def test_tour_fields_are_checked(session, tour, scene_ids):
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    tour_service.update_tour(session, tour.id, {
        "status": "published", "publish_from": start,
        "publish_until": start + dt.timedelta(days=24), "cover_scene_id": scene_ids[0],
        "intro": {"en": "Twenty-four doors.\nOne a day."}})
    assert tour.status is TourStatus.PUBLISHED
    assert tour.cover_scene_id == scene_ids[0]
    with pytest.raises(InvalidPeriod):
        tour_service.update_tour(session, tour.id, {"publish_until": start})
    with pytest.raises(UnknownScene) as refused:
        tour_service.update_tour(session, tour.id, {"cover_scene_id": 999_999})
    assert refused.value.field == "cover_scene_id"
    tour_service.update_tour(session, tour.id, {"cover_scene_id": None})
    assert tour.cover_scene_id is None


def test_stops_are_numbered_without_gaps(session, tour, scene_ids):
    a, b, c, d = scene_ids
    for scene_id in (a, b, c):
        tour_service.add_stop(session, tour.id, {"scene_id": scene_id})
    tour_service.add_stop(session, tour.id, {"scene_id": d, "position": 1})
    assert positions(session, tour.id) == [(1, d), (2, a), (3, b), (4, c)]
    middle = tour_service.add_stop(session, tour.id, {"scene_id": a, "position": 3,
                                                      "text": {"en": "Again"}})
    assert positions(session, tour.id) == [(1, d), (2, a), (3, a), (4, b), (5, c)]
    tour_service.remove_stop(session, middle.id)
    first = tour_service.list_stops(session, tour.id)[0]
    tour_service.remove_stop(session, first.id)
    session.commit()
    assert positions(session, tour.id) == [(1, a), (2, b), (3, c)]
    with pytest.raises(OutOfRange) as refused:
        tour_service.add_stop(session, tour.id, {"scene_id": a, "position": 5})
    assert refused.value.field == "position"


def test_reordering_is_atomic_and_checks_the_whole_list(session, tour, scene_ids):
    stops = [tour_service.add_stop(session, tour.id, {"scene_id": scene_id})
             for scene_id in scene_ids]
    ids = [stop.id for stop in stops]
    session.commit()
    reordered = tour_service.reorder_stops(session, tour.id, list(reversed(ids)))
    session.commit()
    assert [stop.id for stop in reordered] == list(reversed(ids))
    assert positions(session, tour.id) == [(1, scene_ids[3]), (2, scene_ids[2]),
                                           (3, scene_ids[1]), (4, scene_ids[0])]
    with pytest.raises(tour_service.StopsChanged):
        tour_service.reorder_stops(session, tour.id, ids[:3])
    with pytest.raises(tour_service.StopsChanged):
        tour_service.reorder_stops(session, tour.id, [*ids, 999_999])
    with pytest.raises(tour_service.RepeatedStop):
        tour_service.reorder_stops(session, tour.id, [ids[0], *ids[:3]])
    session.rollback()
    assert [stop.id for stop in tour_service.list_stops(session, tour.id)] == list(
        reversed(ids))


def test_every_stop_change_is_a_new_tour_version(session, tour, scene_ids):
    stop = tour_service.add_stop(session, tour.id, {"scene_id": scene_ids[0]})
    assert tour.version == 2
    other = tour_service.add_stop(session, tour.id, {"scene_id": scene_ids[1]})
    tour_service.update_stop(session, stop.id, {
        "initial_view": {"yaw": 45, "pitch": 10, "zoom": 20}, "text": {"en": "Look up"}})
    assert stop.initial_view == View(45.0, 10.0, 20.0)
    tour_service.reorder_stops(session, tour.id, [other.id, stop.id], expected_version=4)
    tour_service.remove_stop(session, other.id)
    assert tour.version == 6
    session.commit()
    with pytest.raises(VersionConflict):
        tour_service.update_tour(session, tour.id, {"title": {"de": "Alt"}}, expected_version=5)
    with pytest.raises(VersionConflict):
        tour_service.reorder_stops(session, tour.id, [stop.id], expected_version=5)
    tour_service.update_stop(session, stop.id, {"initial_view": None})
    assert stop.initial_view is None


def test_deleting_a_tour_deletes_its_stops_not_its_scenes(session, tour, scene_ids):
    tour_service.add_stop(session, tour.id, {"scene_id": scene_ids[0]})
    session.commit()
    tour_service.delete_tour(session, tour.id, expected_version=2)
    session.commit()
    assert session.scalars(select(Stop)).all() == []
    assert session.get(Scene, scene_ids[0]) is not None
    with pytest.raises(tour_service.TourNotFound):
        tour_service.get_tour(session, tour.id)


def test_tours_are_listed_by_status(session, tour):
    tour_service.create_tour(session, {"slug": "advent", "title": {"en": "Advent"},
                                       "status": "published"})
    page, total = tour_service.list_tours(session, status=TourStatus.PUBLISHED)
    assert (total, [t.slug for t in page]) == (1, ["advent"])
    page, total = tour_service.list_tours(session, limit=1)
    assert (total, [t.slug for t in page]) == (2, ["old-town"])


def test_stop_errors(session, tour):
    with pytest.raises(UnknownScene):
        tour_service.add_stop(session, tour.id, {"scene_id": 999_999})
    with pytest.raises(tour_service.StopNotFound):
        tour_service.update_stop(session, 999_999, {"text": {}})
    with pytest.raises(tour_service.TourNotFound):
        tour_service.list_stops(session, 999_999)
