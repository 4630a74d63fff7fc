"""The published copy of a tour: what visitors see, taken from the rows at publication.

Editors change a tour's rows (its title, intro, cover and stops): they are the draft.
Publishing copies them into ``tour.published`` (:func:`tour_copy`), and every visitor's read
goes through that copy (:func:`published_tour`, used by ``tours.walk``), so a tour can be
reworked while visitors keep taking the version last published. The copy holds the tour's
content only; the slug (its address) and the publication window (when it is shown) stay on the
row and apply as soon as they are saved. The scenes themselves are shared with the rest of the
walk and are not copied: a stop of the copy names its scene by id.

The copy (``format`` 1)::

    {"format": 1, "title": {lang: text}, "intro": {lang: text}, "cover_scene_id": int | None,
     "stops": [{"position": 1, "scene_id": int, "text": {lang: text},
                "initial_view": {"yaw", "pitch", "zoom"} | None}, …]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tours.models import Scene, Tour, View

COPY_FORMAT = 1


@dataclass(frozen=True)
class PublishedStop:
    """A stop as visitors see it (the attributes ``tours.walk`` reads of a stop row too)."""

    position: int
    scene_id: int
    scene: Scene
    text: Mapping[str, str]
    #: the stop's own view; None = the scene's initial view
    initial_view: View | None


@dataclass(frozen=True)
class PublishedTour:
    """A published tour as visitors see it: the copy, with the scenes it names loaded.

    Stops whose scene no longer exists are left out; the cover is None when its scene is gone.
    """

    id: int
    slug: str
    title: Mapping[str, str]
    intro: Mapping[str, str]
    cover_scene_id: int | None
    cover_scene: Scene | None
    stops: list[PublishedStop]
    publish_from: dt.datetime | None
    publish_until: dt.datetime | None
    published_at: dt.datetime

    @property
    def updated_at(self) -> dt.datetime:
        """When what visitors see of the tour last changed (its publication)."""
        return self.published_at


def _view(view: View | None) -> dict[str, float] | None:
    return None if view is None else {"yaw": view.yaw, "pitch": view.pitch, "zoom": view.zoom}


def tour_copy(tour: Tour) -> dict[str, Any]:
    """The copy of ``tour``'s rows as it would be published now (stops in their order)."""
    return {
        "format": COPY_FORMAT,
        "title": dict(tour.title or {}),
        "intro": dict(tour.intro or {}),
        "cover_scene_id": tour.cover_scene_id,
        "stops": [{"position": stop.position, "scene_id": stop.scene_id,
                   "text": dict(stop.text or {}), "initial_view": _view(stop.initial_view)}
                  for stop in sorted(tour.stops, key=lambda stop: stop.position)],
    }


def has_unpublished_changes(tour: Tour) -> bool:
    """The rows differ from the copy visitors see (False for a tour never published)."""
    return tour.published is not None and tour.published != tour_copy(tour)


def copy_scene_ids(copy: Mapping[str, Any]) -> list[int]:
    """The scenes a copy's stops name, in the tour's order (a scene may come twice)."""
    return [int(stop["scene_id"]) for stop in copy.get("stops", ())]


def referenced_scene_ids(copy: Mapping[str, Any]) -> set[int]:
    """Every scene a copy names: its stops' scenes and its cover."""
    ids = set(copy_scene_ids(copy))
    if copy.get("cover_scene_id") is not None:
        ids.add(int(copy["cover_scene_id"]))
    return ids


def _stored_view(value: object) -> View | None:
    if not isinstance(value, Mapping):
        return None
    return View(float(value["yaw"]), float(value["pitch"]), float(value["zoom"]))


def published_tour(tour: Tour, scenes: Mapping[int, Scene],
                   copy: Mapping[str, Any] | None = None) -> PublishedTour:
    """What visitors see of ``tour`` (its published copy, or ``copy``: an editor's preview
    passes :func:`tour_copy`), with the scenes the copy names taken from ``scenes`` (by id;
    missing ones are left out)."""
    if copy is None:
        copy = tour.published or {}
    stops = []
    for entry in sorted(copy.get("stops", ()), key=lambda entry: int(entry["position"])):
        scene = scenes.get(int(entry["scene_id"]))
        if scene is not None:
            stops.append(PublishedStop(
                position=int(entry["position"]), scene_id=scene.id, scene=scene,
                text=dict(entry.get("text") or {}),
                initial_view=_stored_view(entry.get("initial_view"))))
    cover_id = copy.get("cover_scene_id")
    return PublishedTour(
        id=tour.id, slug=tour.slug, title=dict(copy.get("title") or {}),
        intro=dict(copy.get("intro") or {}),
        cover_scene_id=cover_id if cover_id in scenes else None,
        cover_scene=scenes.get(cover_id) if cover_id is not None else None,
        stops=stops, publish_from=tour.publish_from, publish_until=tour.publish_until,
        published_at=tour.published_at or tour.updated_at)


def scene_ids_of(tours: Iterable[Tour]) -> set[int]:
    """Every scene the copies of ``tours`` name."""
    ids: set[int] = set()
    for tour in tours:
        if tour.published is not None:
            ids |= referenced_scene_ids(tour.published)
    return ids
