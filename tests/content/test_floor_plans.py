"""Floor plans of venues (``tours.floor_plans``): their fields, order and versions, scenes placed
on them, and what deleting one leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tours import floor_plans, scenes
from tours.floor_plans import FloorPlanExists, FloorPlanNotFound, UnknownFloorPlan
from tours.i18n import UnknownLanguage
from tours.models import FloorPlan, Scene
from tours.validation import MissingValue, OutOfRange, TextTooLong, VersionConflict


@pytest.fixture
def hall(session):
    plan = floor_plans.create_floor_plan(session, {
        "venue": " Markthalle ", "level": "0", "title": {"de": "Erdgeschoss", "en": ""}})
    session.commit()
    return plan


@pytest.fixture
def stand(make_scene, session):
    scene = make_scene(slug="fish-stand", title={"en": "Fish stand"})
    return session.get(Scene, scene.id)


def test_a_floor_plan_is_made_with_a_venue_and_a_level(session, hall):
    assert (hall.venue, hall.level, hall.title) == ("Markthalle", "0", {"de": "Erdgeschoss"})
    assert hall.version == 1
    assert hall.image_key is None
    for missing in ("venue", "level"):
        fields = {"venue": "Luisencenter", "level": "1"}
        del fields[missing]
        with pytest.raises(MissingValue) as refused:
            floor_plans.create_floor_plan(session, fields)
        assert refused.value.field == missing
    with pytest.raises(MissingValue):
        floor_plans.create_floor_plan(session, {"venue": "   ", "level": "1"})


@pytest.mark.parametrize(("fields", "error", "field"), [
    ({"venue": "x" * 121}, TextTooLong, "venue"),
    ({"level": "x" * 21}, TextTooLong, "level"),
    ({"title": {"it": "Piano terra"}}, UnknownLanguage, "title.it"),
    ({"title": {"en": "x" * 121}}, TextTooLong, "title.en"),
])
def test_refused_values_name_their_field(session, fields, error, field):
    with pytest.raises(error) as refused:
        floor_plans.create_floor_plan(session, {"venue": "Luisencenter", "level": "1", **fields})
    assert refused.value.field == field


def test_a_venue_has_one_plan_per_level(session, hall):
    with pytest.raises(FloorPlanExists) as refused:
        floor_plans.create_floor_plan(session, {"venue": "Markthalle", "level": "0"})
    assert refused.value.field == "level"
    upper = floor_plans.create_floor_plan(session, {"venue": "Markthalle", "level": "1"})
    with pytest.raises(FloorPlanExists):
        floor_plans.update_floor_plan(session, upper.id, {"level": "0"})
    # the same level of another venue is another plan
    floor_plans.create_floor_plan(session, {"venue": "Luisencenter", "level": "0"})


def test_plans_are_listed_by_venue_then_level(session):
    for venue, level in (("Markthalle", "OG"), ("Luisencenter", "10"), ("Markthalle", "-1"),
                         ("Luisencenter", "2"), ("Markthalle", "0"), ("Luisencenter", "-1")):
        floor_plans.create_floor_plan(session, {"venue": venue, "level": level})
    assert [(plan.venue, plan.level) for plan in floor_plans.list_floor_plans(session)] == [
        ("Luisencenter", "-1"), ("Luisencenter", "2"), ("Luisencenter", "10"),
        ("Markthalle", "-1"), ("Markthalle", "0"), ("Markthalle", "OG")]


def test_changes_are_checked_against_the_version(session, hall):
    changed = floor_plans.update_floor_plan(session, hall.id, {"title": {"en": "Ground floor"}},
                                            expected_version=1)
    assert (changed.title, changed.version) == ({"en": "Ground floor"}, 2)
    with pytest.raises(VersionConflict):
        floor_plans.update_floor_plan(session, hall.id, {"venue": "Halle"}, expected_version=1)
    with pytest.raises(VersionConflict):
        floor_plans.delete_floor_plan(session, hall.id, expected_version=1)
    with pytest.raises(FloorPlanNotFound):
        floor_plans.get_floor_plan(session, hall.id + 1)


def test_a_placed_scene_takes_the_plans_level(session, hall, stand):
    placed = floor_plans.place_scene(session, stand.id, hall.id, 0.25, 1,
                                     expected_version=stand.version)
    assert (placed.floor_plan_id, placed.floor_x, placed.floor_y, placed.level) == (
        hall.id, 0.25, 1.0, "0")
    assert [scene.id for scene in floor_plans.scenes_on(session, hall.id)] == [stand.id]
    assert floor_plans.scene_counts(session) == {hall.id: 1}
    # a new level of the plan is its scenes' level too
    floor_plans.update_floor_plan(session, hall.id, {"level": "EG"})
    assert session.get(Scene, stand.id).level == "EG"
    # taken off the plan, the scene stays on its level
    version = session.get(Scene, stand.id).version
    off = floor_plans.place_scene(session, stand.id, None, expected_version=version)
    assert (off.floor_plan_id, off.floor_x, off.floor_y, off.level) == (None, None, None, "EG")


@pytest.mark.parametrize(("plan", "x", "y", "error", "field"), [
    ("hall", None, 0.5, MissingValue, "x"),
    ("hall", 0.5, None, MissingValue, "y"),
    ("hall", -0.01, 0.5, OutOfRange, "x"),
    ("hall", 0.5, 1.5, OutOfRange, "y"),
    ("hall", float("nan"), 0.5, OutOfRange, "x"),
    (999_999, 0.5, 0.5, UnknownFloorPlan, "floor_plan_id"),
    (2**31, 0.5, 0.5, UnknownFloorPlan, "floor_plan_id"),
    (True, 0.5, 0.5, UnknownFloorPlan, "floor_plan_id"),
])
def test_a_place_must_lie_on_a_plan(session, hall, stand, plan, x, y, error, field):
    floor_plan_id = hall.id if plan == "hall" else plan
    with pytest.raises(error) as refused:
        floor_plans.place_scene(session, stand.id, floor_plan_id, x, y)
    assert refused.value.field == field


def test_a_stale_scene_is_not_placed(session, hall, stand):
    scenes.update_scene(session, stand.id, {"title": {"en": "Fish"}})
    with pytest.raises(VersionConflict):
        floor_plans.place_scene(session, stand.id, hall.id, 0.5, 0.5, expected_version=1)


def test_deleting_a_plan_takes_its_scenes_off_and_frees_its_drawing(session, hall, stand):
    floor_plans.place_scene(session, stand.id, hall.id, 0.5, 0.5)
    plan, freed = floor_plans.set_image(session, hall.id, key="floor-plans/images/ab/ab.png",
                                        width=800, height=600, expected_version=1)
    assert (plan.image_key, plan.image_width, plan.image_height, plan.version, freed) == (
        "floor-plans/images/ab/ab.png", 800, 600, 2, set())
    # the same drawing on another level is one object: it stays while a plan shows it
    other = floor_plans.create_floor_plan(session, {"venue": "Markthalle", "level": "1"})
    floor_plans.set_image(session, other.id, key="floor-plans/images/ab/ab.png", width=800,
                          height=600)
    assert floor_plans.delete_floor_plan(session, other.id) == set()
    assert floor_plans.delete_floor_plan(session, hall.id, expected_version=2) == {
        "floor-plans/images/ab/ab.png"}
    session.commit()
    scene = session.get(Scene, stand.id)
    assert (scene.floor_plan_id, scene.floor_x, scene.floor_y, scene.level) == (
        None, None, None, "0")
    assert session.scalars(select(FloorPlan)).all() == []


def test_a_new_drawing_frees_the_old_one(session, hall):
    floor_plans.set_image(session, hall.id, key="floor-plans/images/aa/old.png", width=10,
                          height=10)
    _plan, freed = floor_plans.set_image(session, hall.id, key="floor-plans/images/bb/new.png",
                                         width=20, height=10)
    assert freed == {"floor-plans/images/aa/old.png"}
    _plan, freed = floor_plans.set_image(session, hall.id, key="floor-plans/images/bb/new.png",
                                         width=20, height=10)
    assert freed == set()
    assert floor_plans.unused_keys(session, {"floor-plans/images/bb/new.png", "x/y.png"}) == {
        "x/y.png"}
