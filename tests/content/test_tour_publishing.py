"""Publishing a tour: visitors see the copy taken at publication, editors change the draft."""

from __future__ import annotations

import datetime as dt

import pytest

from tours import scenes, tour_service, walk
from tours.models import TourStatus, utcnow
from tours.tour_publishing import has_unpublished_changes, tour_copy
from tours.tour_service import StopsChanged, TourNotFound
from tours.validation import VersionConflict


@pytest.fixture
def places(make_panorama, make_scene):
    panorama = make_panorama()
    return [make_scene(panorama, slug=slug, title={"en": slug.title()}).id
            for slug in ("market", "hall", "lane")]


def draft(session, places, **fields):
    tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old town"},
                                              **fields})
    for scene_id in places[:2]:
        tour_service.add_stop(session, tour.id, {"scene_id": scene_id,
                                                 "text": {"en": f"At {scene_id}"}})
    session.commit()
    return tour


def seen(session, slug="old-town"):
    """What a visitor gets now: title and the stops' scene ids and texts."""
    tour = walk.public_tour(session, slug, utcnow())
    return tour.title["en"], [(stop.scene_id, stop.text.get("en")) for stop in tour.stops]


def test_a_draft_is_not_public_and_publishing_takes_the_copy(session, places):
    tour = draft(session, places)
    with pytest.raises(TourNotFound):
        walk.public_tour(session, "old-town", utcnow())
    assert walk.public_scene_ids(session, utcnow()) == set()
    published = tour_service.publish_tour(session, tour.id, expected_version=tour.version)
    session.commit()
    assert published.status is TourStatus.PUBLISHED
    assert published.published == tour_copy(published)
    assert published.published_at is not None
    assert not has_unpublished_changes(published)
    assert seen(session) == ("Old town", [(places[0], f"At {places[0]}"),
                                          (places[1], f"At {places[1]}")])


def test_editing_a_published_tour_changes_only_the_draft_until_it_is_published_again(
        session, places):
    tour = draft(session, places)
    tour_service.publish_tour(session, tour.id)
    session.commit()
    before = seen(session)
    stops = tour_service.list_stops(session, tour.id)
    tour_service.update_tour(session, tour.id, {"title": {"en": "New town"}})
    tour_service.update_stop(session, stops[0].id, {"text": {"en": "Changed"},
                                                     "initial_view": {"yaw": 10, "pitch": 5,
                                                                      "zoom": 30}})
    tour_service.add_stop(session, tour.id, {"scene_id": places[2]})
    tour_service.reorder_stops(session, tour.id, [stops[1].id, stops[0].id,
                                                  tour_service.list_stops(session, tour.id)[2].id])
    session.commit()
    assert has_unpublished_changes(tour_service.get_tour(session, tour.id))
    assert seen(session) == before
    # the scene the draft added is not opened to visitors by the draft
    assert places[2] not in walk.public_scene_ids(session, utcnow())
    tour_service.publish_tour(session, tour.id)
    session.commit()
    assert seen(session) == ("New town", [(places[1], f"At {places[1]}"),
                                          (places[0], "Changed"), (places[2], None)])
    view = walk.public_tour(session, "old-town", utcnow()).stops[1].initial_view
    assert (view.yaw, view.pitch, view.zoom) == (10.0, 5.0, 30.0)
    assert not has_unpublished_changes(tour_service.get_tour(session, tour.id))


def test_setting_the_status_to_published_publishes_the_rows_as_they_are(session, places):
    tour = draft(session, places)
    tour_service.update_tour(session, tour.id, {"status": "published",
                                                "title": {"en": "Now"}},
                             expected_version=tour.version)
    session.commit()
    assert seen(session)[0] == "Now"
    assert tour.version == 4  # two stops added, then one change that published


def test_the_publication_window_applies_to_the_copy(session, places):
    tour = draft(session, places)
    tour_service.publish_tour(session, tour.id)
    now = utcnow()
    tour_service.update_tour(session, tour.id, {"publish_from": now + dt.timedelta(days=1)})
    session.commit()
    # the window is when the copy is shown: it applies as soon as it is saved
    assert walk.public_tours(session, now) == []
    assert [found.slug for found in walk.public_tours(session, now + dt.timedelta(days=2))] \
        == ["old-town"]
    tour_service.update_tour(session, tour.id, {
        "publish_from": None, "publish_until": now - dt.timedelta(minutes=1)})
    session.commit()
    assert walk.public_tours(session, utcnow()) == []


def test_withdrawing_archives_the_tour(session, places):
    tour = draft(session, places)
    tour_service.publish_tour(session, tour.id)
    session.commit()
    withdrawn = tour_service.withdraw_tour(session, tour.id, expected_version=tour.version)
    session.commit()
    assert withdrawn.status is TourStatus.ARCHIVED
    with pytest.raises(TourNotFound):
        walk.public_tour(session, "old-town", utcnow())
    assert walk.public_scene_ids(session, utcnow()) == set()


def test_a_stale_version_is_refused(session, places):
    tour = draft(session, places)
    stale = tour.version - 1
    with pytest.raises(VersionConflict):
        tour_service.publish_tour(session, tour.id, expected_version=stale)
    session.rollback()
    with pytest.raises(VersionConflict):
        tour_service.withdraw_tour(session, tour.id, expected_version=stale)
    session.rollback()
    with pytest.raises(VersionConflict):
        tour_service.save_draft(session, tour.id, {"title": {"en": "Mine"}}, [],
                                expected_version=stale)
    session.rollback()
    assert tour_service.get_tour(session, tour.id).title == {"en": "Old town"}
    assert len(tour_service.list_stops(session, tour.id)) == 2


def test_saving_the_whole_draft_adds_keeps_reorders_and_removes_stops(session, places):
    tour = draft(session, places)
    first, second = tour_service.list_stops(session, tour.id)
    tour_service.save_draft(session, tour.id, {"title": {"en": "Round"}, "intro": {"en": "Hi"}},
                            [{"scene_id": places[2], "text": {"en": "New"}},
                             {"id": second.id, "scene_id": places[1],
                              "initial_view": {"yaw": 1, "pitch": 2, "zoom": 3}}],
                            expected_version=tour.version)
    session.commit()
    stops = tour_service.list_stops(session, tour.id)
    assert [(stop.position, stop.scene_id) for stop in stops] == [(1, places[2]),
                                                                   (2, places[1])]
    assert stops[1].id == second.id
    assert stops[0].text == {"en": "New"}
    assert (stops[1].initial_yaw, stops[1].initial_zoom) == (1.0, 3.0)
    assert tour_service.get_tour(session, tour.id).title == {"en": "Round"}
    with pytest.raises(StopsChanged):
        tour_service.save_draft(session, tour.id, {}, [{"id": first.id,
                                                        "scene_id": places[0]}])


def test_a_scene_visitors_still_see_in_a_published_tour_cannot_be_deleted(session, places):
    tour = draft(session, places)
    tour_service.publish_tour(session, tour.id)
    first = tour_service.list_stops(session, tour.id)[0]
    tour_service.remove_stop(session, first.id)
    session.commit()
    with pytest.raises(scenes.SceneInUse):
        scenes.delete_scene(session, places[0])
    session.rollback()
    tour_service.publish_tour(session, tour.id)
    session.commit()
    scenes.delete_scene(session, places[0])
    session.commit()
