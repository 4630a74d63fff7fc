"""Floor plans: the drawings of a venue's levels (a mall, a market hall), and the scenes on them.

A floor plan names its venue and level ("Luisencenter", "1") and may carry a translatable title
("First floor"); one plan per venue and level. Its drawing arrives already checked, rendered and
stored (the web layer runs ``media_tools.floor_plans`` and writes the public object); this
module keeps the row's key and size and says which key became unused, so the caller deletes
that object after the commit.

A scene is placed on a plan at fractions of the drawing (``floor_x``, ``floor_y``: 0 = left or
top, 1 = right or bottom) and takes the plan's level, which wayfinding reads to name level
changes. Taking a scene off its plan keeps the level (the scene is still on that floor); so
does deleting the plan, which takes every scene off it. Changing a plan's level changes its
scenes' level too.

Changes are checked against the version the editor started from (``expected_version``), like
every content change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tours.errors import N_, Conflict, NotFound
from tours.i18n import clean_translations
from tours.models import FloorPlan, Scene
from tours.scenes import get_scene
from tours.validation import (
    InvalidValue,
    MissingValue,
    check_fields,
    check_version,
    clean_number,
    clean_text,
    flush_versioned,
)

MAX_VENUE_LENGTH = 120
MAX_LEVEL_LENGTH = 20
MAX_TITLE_LENGTH = 120
#: the largest id a row can have (PostgreSQL ``integer``); a larger one names nothing
MAX_ROW_ID = 2**31 - 1
#: a level that reads as a whole number ("-1", "0", "2") sorts by its value
_NUMBER = re.compile(r"[+-]?\d{1,6}")


class FloorPlanNotFound(NotFound):
    message = N_("There is no such floor plan.")


class UnknownFloorPlan(InvalidValue):
    message = N_("There is no floor plan with the id %(floor_plan_id)s.")


class FloorPlanExists(Conflict):
    message = N_("%(venue)s already has a floor plan of level %(level)s.")

    def __init__(self, *, venue: str, level: str) -> None:
        self.field = "level"
        super().__init__(venue=venue, level=level)


class FloorPlanFields(TypedDict, total=False):
    venue: str
    level: str
    title: Mapping[str, str]


#: what a new floor plan needs at least
REQUIRED_FIELDS = ("venue", "level")


def get_floor_plan(session: Session, floor_plan_id: int) -> FloorPlan:
    """The floor plan with ``floor_plan_id``; :class:`FloorPlanNotFound` when there is none."""
    floor_plan = session.get(FloorPlan, floor_plan_id)
    if floor_plan is None:
        raise FloorPlanNotFound()
    return floor_plan


def floor_plan_for_reference(session: Session, floor_plan_id: object, *, field: str
                             ) -> FloorPlan:
    """A floor plan named in another entity's fields; :class:`UnknownFloorPlan` (an input
    error) if there is none."""
    floor_plan = None
    if (isinstance(floor_plan_id, int) and not isinstance(floor_plan_id, bool)
            and 0 < floor_plan_id <= MAX_ROW_ID):
        floor_plan = session.get(FloorPlan, floor_plan_id)
    if floor_plan is None:
        raise UnknownFloorPlan(field=field, floor_plan_id=str(floor_plan_id)[:40])
    return floor_plan


def level_order(level: str) -> tuple[int, float, str]:
    """Sort key of a level: whole numbers by value (-1, 0, 1, 2, 10), then the others
    alphabetically ("EG", "OG")."""
    if _NUMBER.fullmatch(level):
        return (0, int(level), level)
    return (1, 0, level.casefold())


def plan_order(floor_plan: FloorPlan) -> tuple[str, tuple[int, float, str], int]:
    """Sort key of floor plans: by venue, then by level."""
    return (floor_plan.venue.casefold(), level_order(floor_plan.level), floor_plan.id)


def list_floor_plans(session: Session) -> list[FloorPlan]:
    """Every floor plan, grouped by venue (alphabetically), each venue's levels in order."""
    return sorted(session.scalars(select(FloorPlan)), key=plan_order)


def scene_counts(session: Session) -> dict[int, int]:
    """How many scenes lie on each floor plan (plans without any are left out)."""
    rows = session.execute(
        select(Scene.floor_plan_id, func.count()).where(Scene.floor_plan_id.is_not(None))
        .group_by(Scene.floor_plan_id))
    return {int(floor_plan_id): int(count) for floor_plan_id, count in rows}


def scenes_on(session: Session, floor_plan_id: int) -> list[Scene]:
    """The scenes placed on a floor plan, in the order they were made."""
    return list(session.scalars(select(Scene).where(Scene.floor_plan_id == floor_plan_id)
                                .order_by(Scene.id)))


def placed_scenes(session: Session) -> dict[int, list[Scene]]:
    """The scenes of every floor plan (plans without any are left out), each plan's in the
    order they were made: one query for a whole list of plans."""
    placed: dict[int, list[Scene]] = {}
    for scene in session.scalars(select(Scene).where(Scene.floor_plan_id.is_not(None))
                                 .order_by(Scene.id)):
        placed.setdefault(scene.floor_plan_id, []).append(scene)  # type: ignore[arg-type]
    return placed


def create_floor_plan(session: Session, fields: FloorPlanFields) -> FloorPlan:
    """Create a floor plan (without a drawing yet); ``venue`` and ``level`` are required."""
    check_fields(fields, FloorPlanFields.__annotations__)
    for name in REQUIRED_FIELDS:
        if fields.get(name) is None:
            raise MissingValue(field=name)
    floor_plan = FloorPlan(title={})
    _apply(session, floor_plan, fields)
    session.add(floor_plan)
    session.flush()
    return floor_plan


def update_floor_plan(session: Session, floor_plan_id: int, changes: FloorPlanFields, *,
                      expected_version: int | None = None) -> FloorPlan:
    """Change the given fields of a floor plan still at ``expected_version`` (if given); a new
    level becomes the level of every scene on the plan."""
    check_fields(changes, FloorPlanFields.__annotations__)
    floor_plan = get_floor_plan(session, floor_plan_id)
    check_version(floor_plan.version, expected_version)
    old_level = floor_plan.level
    _apply(session, floor_plan, changes)
    if floor_plan.level != old_level:
        for scene in scenes_on(session, floor_plan.id):
            scene.level = floor_plan.level
    flush_versioned(session)
    return floor_plan


def delete_floor_plan(session: Session, floor_plan_id: int, *,
                      expected_version: int | None = None) -> set[str]:
    """Delete a floor plan; its scenes are taken off it (keeping their level). Returns the
    storage key of its drawing when no other plan shows the same one."""
    floor_plan = get_floor_plan(session, floor_plan_id)
    check_version(floor_plan.version, expected_version)
    for scene in scenes_on(session, floor_plan.id):
        _unplace(scene)
    flush_versioned(session)
    freed = _unused_key(session, floor_plan.image_key, floor_plan.id)
    session.delete(floor_plan)
    flush_versioned(session)
    return freed


def set_image(session: Session, floor_plan_id: int, *, key: str, width: int, height: int,
              expected_version: int | None = None) -> tuple[FloorPlan, set[str]]:
    """Show the drawing stored under ``key`` (``width`` × ``height`` pixels) on a floor plan,
    replacing its drawing. Scenes keep their fractions: a new drawing of the same floor
    covers the same area. Returns the plan and the replaced drawing's key when nothing uses
    it any more."""
    floor_plan = get_floor_plan(session, floor_plan_id)
    check_version(floor_plan.version, expected_version)
    if width < 1 or height < 1:
        raise ValueError("a drawing has a size")
    old_key = floor_plan.image_key
    floor_plan.image_key = key
    floor_plan.image_width = width
    floor_plan.image_height = height
    flush_versioned(session)
    freed = set() if old_key == key else _unused_key(session, old_key, None)
    return floor_plan, freed


def check_can_set_image(session: Session, floor_plan_id: int, *,
                        expected_version: int | None = None) -> FloorPlan:
    """Refuse an upload before anything is stored: no such plan, or a stale version."""
    floor_plan = get_floor_plan(session, floor_plan_id)
    check_version(floor_plan.version, expected_version)
    return floor_plan


def unused_keys(session: Session, keys: set[str]) -> set[str]:
    """Those of ``keys`` no floor plan shows (after a refused change: the objects just
    written go again)."""
    used = set(session.scalars(select(FloorPlan.image_key)
                               .where(FloorPlan.image_key.in_(keys)))) if keys else set()
    return keys - used


def place_scene(session: Session, scene_id: int, floor_plan_id: int | None,
                x: float | None = None, y: float | None = None, *,
                expected_version: int | None = None) -> Scene:
    """Place a scene (still at ``expected_version``, when given) on a floor plan at ``x``,
    ``y`` (fractions 0..1 of the drawing from its top left corner); it takes the plan's level.
    ``floor_plan_id`` None takes it off its plan; its level stays."""
    scene = get_scene(session, scene_id)
    check_version(scene.version, expected_version)
    if floor_plan_id is None:
        _unplace(scene)
    else:
        floor_plan = floor_plan_for_reference(session, floor_plan_id, field="floor_plan_id")
        where = {}
        for name, value in (("x", x), ("y", y)):
            if value is None:
                raise MissingValue(field=name)
            where[name] = clean_number(value, field=name, minimum=0, maximum=1)
        scene.floor_plan_id = floor_plan.id
        scene.floor_x, scene.floor_y = where["x"], where["y"]
        scene.level = floor_plan.level
    flush_versioned(session)
    return scene


def _unplace(scene: Scene) -> None:
    scene.floor_plan_id = None
    scene.floor_x = scene.floor_y = None


def _unused_key(session: Session, key: str | None, removed_id: int | None) -> set[str]:
    """``{key}`` unless another floor plan than ``removed_id`` shows it (the same drawing
    uploaded for two levels is one content-addressed object)."""
    if not key:
        return set()
    query = select(FloorPlan.id).where(FloorPlan.image_key == key)
    if removed_id is not None:
        query = query.where(FloorPlan.id != removed_id)
    return set() if session.scalar(query.limit(1)) is not None else {key}


def _apply(session: Session, floor_plan: FloorPlan, fields: FloorPlanFields) -> None:
    """Check ``fields`` and set them on ``floor_plan``; nothing is set when a value is
    refused."""
    values: dict[str, object] = {}
    for name, maximum in (("venue", MAX_VENUE_LENGTH), ("level", MAX_LEVEL_LENGTH)):
        if name in fields:
            text = clean_text(fields[name], field=name,  # type: ignore[literal-required]
                              max_length=maximum)
            if not text:
                raise MissingValue(field=name)
            values[name] = text
    if "title" in fields:
        values["title"] = clean_translations(fields["title"], field="title",
                                             max_length=MAX_TITLE_LENGTH)
    venue = str(values.get("venue", floor_plan.venue))
    level = str(values.get("level", floor_plan.level))
    if "venue" in values or "level" in values:
        with session.no_autoflush:
            taken = session.scalar(select(FloorPlan.id).where(
                FloorPlan.venue == venue, FloorPlan.level == level,
                *([FloorPlan.id != floor_plan.id] if floor_plan.id is not None else []))
                .limit(1))
        if taken is not None:
            raise FloorPlanExists(venue=venue, level=level)
    for name, value in values.items():
        setattr(floor_plan, name, value)
