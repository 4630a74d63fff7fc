"""Where a shop can be seen in the walk: the scene of one of its hotspots, and a tour that
passes there.

A shop's profile offers "See it in the walk" when a shop hotspot points at it. The public
viewer shows a scene inside a tour, so the answer names a published tour through that scene
when there is one; the web layer decides whether it can link it. The hotspot's yaw and pitch
let a link open the scene looking at the shop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tours import walk
from tours.models import Hotspot, HotspotKind, HotspotStatus, Scene


@dataclass(frozen=True)
class WalkPlace:
    """A scene showing the shop, and a tour stopping there or whose walk leads there (None when
    no published tour does); ``yaw``/``pitch`` are where the shop's hotspot is in that
    scene."""

    scene_slug: str
    tour_slug: str | None
    yaw: float | None = None
    pitch: float | None = None


def walk_place_of(session: Session, shop_id: int, now: dt.datetime) -> WalkPlace | None:
    """The first scene visitors can open (by hotspot id) with an approved shop hotspot for
    ``shop_id`` valid at ``now``; None when the walk does not show the shop."""
    return walk_places_of(session, [shop_id], now).get(shop_id)


def walk_places_of(session: Session, shop_ids: Collection[int], now: dt.datetime
                   ) -> dict[int, WalkPlace]:
    """:func:`walk_place_of` for many shops at once (a page of search results): the public
    scenes are worked out once, and shops the walk does not show are left out."""
    if not shop_ids:
        return {}
    public = walk.public_scene_ids(session, now)
    if not public:
        return {}
    rows = session.execute(
        select(Hotspot.shop_id, Hotspot.yaw, Hotspot.pitch, Scene.id, Scene.slug)
        .join(Scene, Hotspot.scene_id == Scene.id)
        .where(Hotspot.shop_id.in_(list(shop_ids)), Hotspot.kind == HotspotKind.SHOP,
               Hotspot.status == HotspotStatus.APPROVED, Scene.id.in_(public),
               or_(Hotspot.valid_from.is_(None), Hotspot.valid_from <= now),
               or_(Hotspot.valid_until.is_(None), Hotspot.valid_until > now))
        .order_by(Hotspot.id))
    first: dict[int, tuple[float, float, int, str]] = {}
    for shop_id, yaw, pitch, scene_id, scene_slug in rows:
        first.setdefault(shop_id, (yaw, pitch, scene_id, scene_slug))
    tours_by_scene = _tour_through(session, {place[2] for place in first.values()}, now)
    return {shop_id: WalkPlace(scene_slug=slug, tour_slug=tours_by_scene.get(scene_id),
                               yaw=yaw, pitch=pitch)
            for shop_id, (yaw, pitch, scene_id, slug) in first.items()}


def _tour_through(session: Session, scene_ids: set[int], now: dt.datetime) -> dict[int, str]:
    """For each scene, the slug of the oldest published tour (inside its window) whose
    published copy stops there, else of the oldest one whose walk reaches it by links; scenes
    no public tour reaches are left out."""
    if not scene_ids:
        return {}
    found: dict[int, str] = {}
    for slug, stop_scene_ids in walk.public_tour_stops(session, now):
        for scene_id in scene_ids.intersection(stop_scene_ids):
            found.setdefault(scene_id, slug)
    missing = scene_ids - found.keys()
    if missing:
        # no tour stops there: the oldest public tour whose walk reaches the scene
        for tour in walk.public_tours(session, now):
            for scene_id in missing & set(walk.tour_scene_ids(session, tour)):
                found[scene_id] = tour.slug
            missing -= found.keys()
            if not missing:
                break
    return found
