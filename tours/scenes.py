"""Scenes: creating, changing, listing and deleting the places of the walk.

Changes are checked against the version the editor started from (``expected_version``), so
two editors cannot silently overwrite each other. Deleting a scene deletes its links and
hotspots, never its panorama (unused panoramas are removed by a sweep), and is refused while
a tour stops at it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tours import former_slugs
from tours.errors import N_, Conflict, NotFound
from tours.hotspot_images import scene_images, unused_keys
from tours.i18n import clean_translations
from tours.ingest import queue_share_image, release_panorama
from tours.models import Scene, Stop, Tour, TourStatus, View
from tours.panoramas import panorama_for_reference
from tours.tour_publishing import copy_scene_ids
from tours.validation import (
    InvalidValue,
    MissingValue,
    SlugTaken,
    check_fields,
    check_position,
    check_version,
    clean_latitude,
    clean_longitude,
    clean_slug,
    clean_text,
    clean_view,
    clean_yaw,
    flush_versioned,
)

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_LEVEL_LENGTH = 20


class SceneNotFound(NotFound):
    message = N_("There is no such scene.")


class UnknownScene(InvalidValue):
    message = N_("There is no scene with the id %(scene_id)s.")


class SceneInUse(Conflict):
    message = N_("The scene is a stop of the tours %(tours)s. Remove those stops first.")


class LevelOfFloorPlan(InvalidValue):
    message = N_("This scene lies on the floor plan of %(venue)s, level %(level)s, and has "
                 "that plan's level. To change its level, place it on the floor plan of the "
                 "other level, or take it off this plan first.")


class SceneFields(TypedDict, total=False):
    slug: str
    #: the panorama's public id
    panorama: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    latitude: float | None
    longitude: float | None
    level: str | None
    north_offset: float
    #: ``{"yaw", "pitch", "zoom"}`` or a :class:`View`
    initial_view: Mapping[str, float] | View


#: what a new scene needs at least
REQUIRED_SCENE_FIELDS = ("slug", "panorama", "title")


def get_scene(session: Session, scene_id: int) -> Scene:
    """The scene with ``scene_id``; :class:`SceneNotFound` when there is none."""
    scene = session.get(Scene, scene_id)
    if scene is None:
        raise SceneNotFound()
    return scene


def scene_for_reference(session: Session, scene_id: object, *, field: str) -> Scene:
    """A scene named in another entity's fields; :class:`UnknownScene` (an input error) if
    there is none."""
    scene = None
    if isinstance(scene_id, int) and not isinstance(scene_id, bool):
        scene = session.get(Scene, scene_id)
    if scene is None:
        raise UnknownScene(field=field, scene_id=str(scene_id)[:40])
    return scene


def list_scenes(session: Session, *, offset: int = 0, limit: int = 50
                ) -> tuple[list[Scene], int]:
    """One page of scenes in the order they were made, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(Scene)) or 0
    page = session.scalars(
        select(Scene).options(selectinload(Scene.panorama))
        .order_by(Scene.id).offset(offset).limit(limit)
    )
    return list(page), total


def create_scene(session: Session, fields: SceneFields) -> Scene:
    """Create a scene; ``slug``, ``panorama`` and ``title`` are required."""
    check_fields(fields, SceneFields.__annotations__)
    for name in REQUIRED_SCENE_FIELDS:
        if fields.get(name) is None:
            raise MissingValue(field=name)
    scene = Scene()
    with session.no_autoflush:
        _apply(session, scene, fields, new=True)
    session.add(scene)
    session.flush()
    queue_share_image(session, scene)
    return scene


def update_scene(
    session: Session, scene_id: int, changes: SceneFields, *, expected_version: int | None = None,
) -> Scene:
    """Change the given fields of a scene that is still at ``expected_version`` (if given)."""
    check_fields(changes, SceneFields.__annotations__)
    scene = get_scene(session, scene_id)
    check_version(scene.version, expected_version)
    with session.no_autoflush:
        _apply(session, scene, changes, new=False)
    flush_versioned(session)
    if "panorama" in changes or "initial_view" in changes:
        queue_share_image(session, scene)
    return scene


def delete_scene(session: Session, scene_id: int, *,
                 expected_version: int | None = None) -> set[str]:
    """Delete a scene with its links and hotspots; refused while a tour stops at it. Returns
    the storage keys of its hotspots' pictures that no other hotspot uses."""
    scene = get_scene(session, scene_id)
    check_version(scene.version, expected_version)
    tours = set(session.scalars(
        select(Tour.slug).where(Tour.id.in_(select(Stop.tour_id).where(Stop.scene_id == scene.id)))
    ))
    # a published tour's visitors may still walk through it even when the draft no longer does
    tours |= {slug for slug, copy in session.execute(
        select(Tour.slug, Tour.published).where(Tour.status == TourStatus.PUBLISHED,
                                                Tour.published_at.is_not(None)))
        if copy is not None and scene.id in copy_scene_ids(copy)}
    tours = sorted(tours)
    if tours:
        raise SceneInUse(tours=", ".join(tours))
    release_panorama(session, scene.panorama)
    images = scene_images(session, scene.id)
    session.delete(scene)
    flush_versioned(session)
    return unused_keys(session, images)


def _check_level_of_floor_plan(scene: Scene, level: object) -> None:
    """A scene on a floor plan has the plan's level (wayfinding names level changes by it, the
    viewer shows the plan while the visitor is on that level): another one is refused."""
    floor_plan = scene.floor_plan if scene.floor_plan_id is not None else None
    if floor_plan is not None and level != floor_plan.level:
        raise LevelOfFloorPlan(field="level", venue=floor_plan.venue, level=floor_plan.level)


def _apply(session: Session, scene: Scene, fields: SceneFields, *, new: bool) -> None:
    """Check ``fields`` and set them on ``scene``; nothing is set when a value is refused."""
    values: dict[str, object] = {}
    if "slug" in fields:
        slug = clean_slug(fields["slug"])
        if slug != scene.slug and session.scalar(select(Scene.id).where(Scene.slug == slug)):
            raise SlugTaken(slug=slug)
        values["slug"] = slug
    if "panorama" in fields:
        values["panorama"] = panorama_for_reference(session, fields["panorama"], field="panorama")
        if scene.panorama is not None and scene.panorama is not values["panorama"]:
            release_panorama(session, scene.panorama)
    if "title" in fields or new:
        values["title"] = clean_translations(fields.get("title"), field="title", required=True,
                                             max_length=MAX_TITLE_LENGTH)
    if "description" in fields:
        values["description"] = clean_translations(
            fields["description"], field="description", max_length=MAX_DESCRIPTION_LENGTH,
            multiline=True)
    if "latitude" in fields:
        values["latitude"] = clean_latitude(fields["latitude"])
    if "longitude" in fields:
        values["longitude"] = clean_longitude(fields["longitude"])
    check_position(values.get("latitude", scene.latitude),
                   values.get("longitude", scene.longitude))
    if "level" in fields:
        level = fields["level"]
        values["level"] = (clean_text(level, field="level", max_length=MAX_LEVEL_LENGTH) or None
                           if level is not None else None)
        _check_level_of_floor_plan(scene, values["level"])
    if "north_offset" in fields:
        values["north_offset"] = clean_yaw(fields["north_offset"], field="north_offset")
    if "initial_view" in fields:
        values["initial_view"] = clean_view(fields["initial_view"], field="initial_view")
    _set(session, scene, values)


def _set(session: Session, scene: Scene, values: dict[str, object]) -> None:
    """Set the checked ``values``; a new slug keeps the scene's old one as a former slug."""
    if "slug" in values:
        former_slugs.rename(session, scene, str(values["slug"]))
    for name, value in values.items():
        setattr(scene, name, value)
