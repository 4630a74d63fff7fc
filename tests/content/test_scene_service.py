"""Scenes: creating, changing with version checks, and the rules for deleting them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from server.extensions import db
from tours import hotspots, links, scenes, tour_service
from tours.i18n import TextRequired
from tours.models import Hotspot, Link, Panorama, Scene, View
from tours.panoramas import UnknownPanorama
from tours.validation import (
    IncompletePosition,
    InvalidSlug,
    MissingValue,
    OutOfRange,
    SlugTaken,
    VersionConflict,
)


def new_scene(session, panorama, /, **fields):
    values = {"slug": "market-square", "panorama": panorama.public_id,
              "title": {"en": "Market square"}}
    values.update(fields)
    return scenes.create_scene(session, values)


def test_a_new_scene_has_defaults_and_version_1(session, make_panorama):
    panorama = make_panorama()
    scene = new_scene(session, panorama, description={"de": "Der Platz\nam Rathaus"})
    session.commit()
    assert scene.version == 1
    assert scene.panorama_id == panorama.id
    assert scene.title == {"en": "Market square"}
    assert scene.initial_view == View(0.0, 0.0, 50.0)
    assert scene.north_offset == 0.0
    assert scene.latitude is None
    assert scene.share_image_is_stale


@pytest.mark.parametrize(("fields", "error", "field"), [
    ({"slug": None}, MissingValue, "slug"),
    ({"slug": "Market Square"}, InvalidSlug, "slug"),
    ({"panorama": "nosuchpanorama"}, UnknownPanorama, "panorama"),
    ({"title": {}}, TextRequired, "title"),
    ({"latitude": 48.1}, IncompletePosition, "longitude"),
    ({"latitude": 91, "longitude": 11}, OutOfRange, "latitude"),
    ({"initial_view": {"yaw": 400, "pitch": 0, "zoom": 50}}, OutOfRange, "initial_view.yaw"),
    ({"north_offset": -190}, OutOfRange, "north_offset"),
])
def test_invalid_scenes_are_refused_naming_the_field(session, make_panorama, fields, error,
                                                      field):
    with pytest.raises(error) as refused:
        new_scene(session, make_panorama(), **fields)
    assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(Scene)) == 0


def test_slugs_are_unique(session, make_panorama):
    panorama = make_panorama()
    new_scene(session, panorama)
    with pytest.raises(SlugTaken) as refused:
        new_scene(session, panorama)
    assert refused.value.field == "slug"
    other = new_scene(session, panorama, slug="town-hall")
    scenes.update_scene(session, other.id, {"slug": "town-hall"})  # its own slug is fine


def test_updates_bump_the_version_and_keep_other_fields(session, make_panorama):
    scene = new_scene(session, make_panorama(), description={"en": "Old"})
    session.commit()
    updated = scenes.update_scene(session, scene.id, {
        "initial_view": {"yaw": 180, "pitch": -5, "zoom": 30}, "latitude": 48.137,
        "longitude": 11.575, "level": "  ", "north_offset": 12.5,
    }, expected_version=1)
    session.commit()
    assert updated.version == 2
    assert updated.initial_view == View(-180.0, -5.0, 30.0)
    assert (updated.latitude, updated.longitude, updated.level) == (48.137, 11.575, None)
    assert updated.description == {"en": "Old"}
    assert scenes.update_scene(session, scene.id, {"level": "EG"}).level == "EG"


def test_an_update_based_on_an_old_version_is_refused(session, make_panorama):
    scene = new_scene(session, make_panorama())
    scenes.update_scene(session, scene.id, {"title": {"en": "New"}})
    session.commit()
    with pytest.raises(VersionConflict):
        scenes.update_scene(session, scene.id, {"title": {"en": "Stale"}}, expected_version=1)
    assert scene.title == {"en": "New"}


def test_concurrent_saves_of_the_same_version_cannot_both_win(app, session, make_panorama):
    """Both saves pass the version check; the second UPDATE finds no row at its version."""
    scene = new_scene(session, make_panorama())
    session.commit()
    mine = scenes.get_scene(session, scene.id)
    assert mine.version == 1
    with OrmSession(db.engine) as theirs:
        scenes.update_scene(theirs, scene.id, {"title": {"en": "Theirs"}}, expected_version=1)
        theirs.commit()
    with pytest.raises(VersionConflict):
        scenes.update_scene(session, scene.id, {"title": {"en": "Mine"}}, expected_version=1)
    session.rollback()
    assert scenes.get_scene(session, scene.id).title == {"en": "Theirs"}


def test_share_image_is_stale_when_the_initial_view_changes(session, make_panorama):
    scene = new_scene(session, make_panorama())
    scene.share_image_key = "share/market-square.jpg"
    scene.share_image_view = scene.initial_view.as_dict()
    assert not scene.share_image_is_stale
    scenes.update_scene(session, scene.id, {"initial_view": {"yaw": 90, "pitch": 0,
                                                              "zoom": 50}})
    assert scene.share_image_is_stale


def test_deleting_a_scene_takes_links_and_hotspots_but_not_the_panorama(session,
                                                                        make_panorama):
    panorama = make_panorama()
    market = new_scene(session, panorama)
    hall = new_scene(session, panorama, slug="town-hall")
    links.add_link(session, market.id, {"to_scene_id": hall.id, "bearing": 90})
    hotspots.add_hotspot(session, market.id, {"yaw": 0, "pitch": 0, "kind": "info",
                                              "text": {"en": "Built 1638"},
                                              "label": {"en": "Column"}})
    tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old town"},
                                              "cover_scene_id": market.id})
    session.commit()
    scenes.delete_scene(session, market.id, expected_version=1)
    session.commit()
    session.expire_all()
    assert session.scalars(select(Link)).all() == []
    assert session.scalars(select(Hotspot)).all() == []
    assert session.get(Panorama, panorama.id) is not None
    assert session.get(type(tour), tour.id).cover_scene_id is None
    with pytest.raises(scenes.SceneNotFound):
        scenes.get_scene(session, market.id)


def test_a_scene_that_is_a_stop_cannot_be_deleted(session, make_panorama):
    scene = new_scene(session, make_panorama())
    tour = tour_service.create_tour(session, {"slug": "old-town", "title": {"en": "Old town"}})
    tour_service.add_stop(session, tour.id, {"scene_id": scene.id})
    session.commit()
    with pytest.raises(scenes.SceneInUse) as refused:
        scenes.delete_scene(session, scene.id)
    assert "old-town" in str(refused.value)
    assert scenes.get_scene(session, scene.id) is scene


def test_a_panorama_shown_by_a_scene_cannot_be_deleted_in_the_database(session,
                                                                       make_panorama):
    from sqlalchemy.exc import IntegrityError

    panorama = make_panorama()
    new_scene(session, panorama)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(Panorama.__table__.delete().where(Panorama.id == panorama.id))
    session.rollback()


def test_scenes_are_listed_a_page_at_a_time(session, make_panorama):
    panorama = make_panorama()
    for number in range(5):
        new_scene(session, panorama, slug=f"scene-{number}")
    page, total = scenes.list_scenes(session, offset=2, limit=2)
    assert total == 5
    assert [scene.slug for scene in page] == ["scene-2", "scene-3"]


def test_unknown_fields_are_a_programming_error(session):
    with pytest.raises(TypeError, match="colour"):
        scenes.create_scene(session, {"colour": "red"})  # type: ignore[typeddict-unknown-key]
