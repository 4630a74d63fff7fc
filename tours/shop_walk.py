"""Where a shop can be seen in the walk: the scene of one of its hotspots, and a tour that
passes there.

A shop's profile offers "See it in the walk" when a shop hotspot points at it. The public
viewer shows a scene inside a tour, so the answer names a published tour through that scene
when there is one; the web layer decides whether it can link it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tours import walk
from tours.models import Hotspot, HotspotKind, Scene, Stop, Tour, TourStatus


@dataclass(frozen=True)
class WalkPlace:
    """A scene showing the shop, and a tour passing through it (None when no published tour
    does)."""

    scene_slug: str
    tour_slug: str | None


def walk_place_of(session: Session, shop_id: int, now: dt.datetime) -> WalkPlace | None:
    """The first scene visitors can open (by hotspot id) with a shop hotspot for ``shop_id``
    valid at ``now``; None when the walk does not show the shop."""
    public = walk.public_scene_ids(session, now)
    if not public:
        return None
    scene = session.scalar(
        select(Scene).join(Hotspot, Hotspot.scene_id == Scene.id)
        .where(Hotspot.shop_id == shop_id, Hotspot.kind == HotspotKind.SHOP,
               Scene.id.in_(public),
               or_(Hotspot.valid_from.is_(None), Hotspot.valid_from <= now),
               or_(Hotspot.valid_until.is_(None), Hotspot.valid_until > now))
        .order_by(Hotspot.id).limit(1))
    if scene is None:
        return None
    tour_slug = session.scalar(
        select(Tour.slug).join(Stop, Stop.tour_id == Tour.id)
        .where(Stop.scene_id == scene.id, Tour.status == TourStatus.PUBLISHED,
               or_(Tour.publish_from.is_(None), Tour.publish_from <= now),
               or_(Tour.publish_until.is_(None), Tour.publish_until > now))
        .order_by(Tour.id).limit(1))
    return WalkPlace(scene_slug=scene.slug, tour_slug=tour_slug)
