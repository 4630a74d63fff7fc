"""What visitors may see of the walk: published tours, the scenes reachable from them, and the
links and hotspots those scenes show now.

Visibility
    A **tour** is public while its status is ``published`` and ``now`` lies in its publication
    window (``publish_from ≤ now < publish_until``, either end open). Its visitors see the copy
    taken when it was last published (``tours.tour_publishing``), never the rows editors are
    changing: the stops of that copy whose scene can be shown, in the copy's order.

    Scenes carry no publication flag of their own; editors publish scenes by putting them into
    the walk. A **scene** is public when its panorama is tiled and it can be reached from a stop
    of a public tour by following links, each step landing on a scene whose panorama is tiled.
    So a visitor can walk freely from a tour into the linked network of streets, every arrow
    they see leads to a scene they may open, and a scene prepared for a tour that is still a
    draft (or whose window has not opened) stays hidden until that tour goes public or an
    editor links it into the public walk. Anything else is answered as not found, exactly like
    a scene that does not exist.

Directions
    A scene's ``north_offset`` is the yaw (degrees, −180..180, growing clockwise like a
    compass) at which north lies in its panorama, and a link's ``bearing`` is its direction in
    degrees clockwise from north. The arrow therefore points at
    ``yaw = north_offset + bearing`` in the panorama, normalised to −180 ≤ yaw < 180
    (:func:`link_yaw`).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from tours import former_slugs
from tours.models import (
    Hotspot,
    HotspotKind,
    HotspotStatus,
    Link,
    Panorama,
    PanoramaStatus,
    Scene,
    Shop,
    ShopStatus,
    Tour,
    TourStatus,
    View,
)
from tours.scenes import SceneNotFound
from tours.tour_publishing import (
    PublishedTour,
    copy_scene_ids,
    published_tour,
    scene_ids_of,
)
from tours.tour_service import TourNotFound


class ShownStop(Protocol):
    """What the walk reads of a stop: a published copy's (visitors), or a row's (an editor's
    export or preview)."""

    @property
    def scene_id(self) -> int: ...
    @property
    def scene(self) -> Scene: ...
    @property
    def text(self) -> Mapping[str, str]: ...
    @property
    def initial_view(self) -> View | None: ...


class TourWithStops(Protocol):
    """A tour whose stops can be walked: a :class:`PublishedTour`, or a ``Tour`` row."""

    @property
    def stops(self) -> Sequence[ShownStop]: ...


def tour_is_public(now: dt.datetime) -> ColumnElement[bool]:
    """SQL condition: the tour is published (it has a copy to show) and inside its
    publication window at ``now``."""
    return and_(Tour.status == TourStatus.PUBLISHED, Tour.published_at.is_not(None),
                or_(Tour.publish_from.is_(None), Tour.publish_from <= now),
                or_(Tour.publish_until.is_(None), Tour.publish_until > now))


def panorama_is_shown() -> ColumnElement[bool]:
    """SQL condition: the panorama has tiles to show (a re-tiling keeps showing the old ones;
    the tiler sets the manifest in the same step, see ``tours.ingest.finish_revision``)."""
    return and_(Panorama.status == PanoramaStatus.READY, Panorama.current_revision.is_not(None))


def is_shown(panorama: Panorama) -> bool:
    """The Python twin of :func:`panorama_is_shown`."""
    return panorama.status is PanoramaStatus.READY and panorama.current_revision is not None


def _tours_with_stops(session: Session, condition: ColumnElement[bool]) -> list[PublishedTour]:
    tours = list(session.scalars(select(Tour).where(condition).order_by(Tour.id)))
    ids = scene_ids_of(tours)
    scenes = {scene.id: scene for scene in session.scalars(
        select(Scene).where(Scene.id.in_(ids)).options(selectinload(Scene.panorama)))} \
        if ids else {}
    shown = [published_tour(tour, scenes) for tour in tours]
    return [tour for tour in shown if shown_stops(tour)]


def public_tours(session: Session, now: dt.datetime) -> list[PublishedTour]:
    """The tours visitors may take at ``now`` as published, oldest first, their scenes loaded;
    a tour none of whose stops can be shown yet is not offered."""
    return _tours_with_stops(session, tour_is_public(now))


def public_tour(session: Session, slug: str, now: dt.datetime) -> PublishedTour:
    """The public tour ``slug`` as published; :class:`TourNotFound` when there is none (not
    now, or none of its stops can be shown yet)."""
    found = _tours_with_stops(session, and_(Tour.slug == slug, tour_is_public(now)))
    if not found:
        raise TourNotFound()
    return found[0]


def renamed_public_tour(session: Session, slug: str, now: dt.datetime) -> str | None:
    """The current slug of the public tour (at ``now``) whose former slug ``slug`` is; None
    when no such tour is public."""
    return former_slugs.current_slug(session, Tour, slug, tour_is_public(now))


def renamed_public_scene(session: Session, slug: str, now: dt.datetime) -> str | None:
    """The current slug of the scene visitors may open at ``now`` whose former slug ``slug``
    is; None when there is no such scene."""
    current = former_slugs.current_slug(session, Scene, slug)
    if current is None:
        return None
    try:
        public_scene(session, current, now)
    except SceneNotFound:
        return None
    return current


def public_tour_stops(session: Session, now: dt.datetime) -> list[tuple[str, list[int]]]:
    """The slug of every public tour at ``now``, oldest first, with the scenes its published
    stops name in their order (shown or not)."""
    return [(slug, copy_scene_ids(copy)) for slug, copy in session.execute(
        select(Tour.slug, Tour.published).where(tour_is_public(now)).order_by(Tour.id))
        if copy is not None]


def shown_stops(tour: TourWithStops) -> list[ShownStop]:
    """The stops of ``tour`` whose scene can be shown, in the tour's order."""
    return [stop for stop in tour.stops if is_shown(stop.scene.panorama)]


def public_scene_ids(session: Session, now: dt.datetime) -> set[int]:
    """The ids of every scene visitors may open at ``now`` (see the module's rule).

    A breadth-first walk over the link graph from the public tours' stops; it visits each
    scene at most once, so it ends after at most as many steps as there are scenes.
    """
    starts = {scene_id for _slug, scene_ids in public_tour_stops(session, now)
              for scene_id in scene_ids}
    return scenes_reachable_from(session, starts)


def scenes_reachable_from(session: Session, starts: Iterable[int]) -> set[int]:
    """The ids of the scenes that can be shown among ``starts`` and of those reached from them
    by links, each step landing on a scene whose panorama is tiled (the walk of a tour, when
    ``starts`` are its stops' scenes)."""
    shown = set(session.scalars(select(Scene.id).join(Scene.panorama).where(panorama_is_shown())))
    first = set(starts) & shown
    if not first:
        return set()
    neighbours: dict[int, list[int]] = {}
    for from_id, to_id in session.execute(select(Link.from_scene_id, Link.to_scene_id)):
        if to_id in shown:
            neighbours.setdefault(from_id, []).append(to_id)
    return _reachable(first, neighbours)


def _reachable(starts: Iterable[int], neighbours: dict[int, list[int]]) -> set[int]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for target in neighbours.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def public_scene(session: Session, slug: str, now: dt.datetime) -> tuple[Scene, set[int]]:
    """The public scene ``slug`` and the ids of all public scenes (to filter its links);
    :class:`SceneNotFound` when visitors may not open it."""
    scene = session.scalar(
        select(Scene).where(Scene.slug == slug)
        .options(selectinload(Scene.panorama),
                 selectinload(Scene.links).selectinload(Link.to_scene),
                 selectinload(Scene.hotspots)))
    if scene is None or not is_shown(scene.panorama):
        raise SceneNotFound()
    visible = public_scene_ids(session, now)
    if scene.id not in visible:
        raise SceneNotFound()
    return scene, visible


def shown_links(scene: Scene, visible: set[int]) -> list[Link]:
    """The links of ``scene`` leading to public scenes, clockwise from north (closed ones
    included: the viewer shows them as closed)."""
    return sorted((link for link in scene.links if link.to_scene_id in visible),
                  key=lambda link: (link.bearing, link.id))


@dataclass(frozen=True)
class ShownHotspot:
    """A hotspot to show, with its shop when it is a shop hotspot."""

    hotspot: Hotspot
    shop: Shop | None


def hotspot_is_shown(hotspot: Hotspot, now: dt.datetime) -> bool:
    """True when visitors may see ``hotspot`` at ``now``: approved by an editor (an owner's
    request, waiting or rejected, never is) and inside its validity window."""
    return hotspot.status is HotspotStatus.APPROVED and hotspot.is_valid_at(now)


def shown_hotspots(session: Session, scene: Scene, now: dt.datetime) -> list[ShownHotspot]:
    """The approved hotspots of ``scene`` valid at ``now``; a shop hotspot only while its shop
    is published (drafts, shops in review and closed shops are not part of the walk)."""
    return shown_hotspots_of(session, [scene], now)[scene.id]


def shown_hotspots_of(session: Session, scenes: Sequence[Scene], now: dt.datetime
                      ) -> dict[int, list[ShownHotspot]]:
    """:func:`shown_hotspots` of many scenes, by scene id, with one query for their shops."""
    valid = {scene.id: [hotspot for hotspot in scene.hotspots if hotspot_is_shown(hotspot, now)]
             for scene in scenes}
    shop_ids = {hotspot.shop_id for hotspots in valid.values() for hotspot in hotspots
                if hotspot.kind is HotspotKind.SHOP}
    published = {shop.id: shop for shop in session.scalars(
        select(Shop).where(Shop.id.in_(shop_ids), Shop.status == ShopStatus.PUBLISHED)
        .options(selectinload(Shop.images), selectinload(Shop.offers)))} if shop_ids else {}
    shown: dict[int, list[ShownHotspot]] = {}
    for scene_id, hotspots in valid.items():
        shown[scene_id] = []
        for hotspot in hotspots:
            if hotspot.kind is not HotspotKind.SHOP:
                shown[scene_id].append(ShownHotspot(hotspot, None))
            elif hotspot.shop_id in published:
                shown[scene_id].append(ShownHotspot(hotspot, published[hotspot.shop_id]))
    return shown


def normalise_yaw(degrees: float) -> float:
    """The same direction as ``degrees``, in −180 ≤ yaw < 180."""
    yaw = (degrees + 180.0) % 360.0 - 180.0
    # float rounding can land exactly on 180 for inputs a hair below −180
    return -180.0 if yaw >= 180.0 else yaw


def link_yaw(bearing: float, north_offset: float) -> float:
    """Where in the panorama the arrow of a link with ``bearing`` points: north lies at
    ``north_offset`` and yaw grows clockwise like a bearing."""
    return normalise_yaw(north_offset + bearing)


def tour_scene_ids(session: Session, tour: TourWithStops) -> list[int]:
    """The scenes visitors can walk to from ``tour``, in walking order: its shown stops' scenes
    in the tour's order, then every scene its links lead to, nearest first (each scene's links
    clockwise from north, like :func:`shown_links`).

    For a public tour these are public scenes (see the module's rule), so the text version of
    a tour can list them without asking again.
    """
    shown = set(session.scalars(select(Scene.id).join(Scene.panorama).where(panorama_is_shown())))
    order = list(dict.fromkeys(stop.scene_id for stop in shown_stops(tour)))
    neighbours: dict[int, list[int]] = {}
    for from_id, to_id in session.execute(select(Link.from_scene_id, Link.to_scene_id)
                                          .order_by(Link.bearing, Link.id)):
        if to_id in shown:
            neighbours.setdefault(from_id, []).append(to_id)
    seen = set(order)
    queue = deque(order)
    while queue:
        for target in neighbours.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                order.append(target)
                queue.append(target)
    return order
