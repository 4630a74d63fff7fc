"""A shop's interior scenes: panoramas its owners upload of the inside of their shop.

An interior scene is an ordinary scene with ``shop_id`` set; that shop's owners place its
hotspots themselves (``tours.hotspot_access``). It is not part of the public walk until an
editor links it from a street scene (scenes are public by being reachable, ``tours.walk``).
Its slug is the shop's with ``-interior`` (then ``-interior-2`` …), its title the shop's name,
its position the shop's (else the panorama's GPS).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tours import audit, scenes
from tours.errors import N_, Conflict
from tours.models import Panorama, Scene, Shop, User

SUFFIX = "-interior"
MAX_SLUG_LENGTH = 80


class AlreadyInterior(Conflict):
    message = N_("This panorama is already an interior scene of the shop.")


def interior_scenes(session: Session, shop_id: int) -> list[Scene]:
    """The shop's interior scenes, oldest first, with their panoramas."""
    return list(session.scalars(
        select(Scene).where(Scene.shop_id == shop_id)
        .options(selectinload(Scene.panorama)).order_by(Scene.id)))


def add_interior_scene(session: Session, actor: User, shop: Shop, panorama: Panorama) -> Scene:
    """A new interior scene of ``shop`` showing ``panorama`` (the caller checked that
    ``actor`` keeps the shop); refuses a panorama the shop shows inside already."""
    if any(scene.panorama_id == panorama.id for scene in interior_scenes(session, shop.id)):
        raise AlreadyInterior()
    latitude, longitude = ((shop.latitude, shop.longitude) if shop.latitude is not None
                           else (panorama.gps_latitude, panorama.gps_longitude))
    fields: scenes.SceneFields = {
        "slug": _free_slug(session, shop.slug), "panorama": panorama.public_id,
        "title": dict(shop.name) or {"en": shop.slug},
    }
    if latitude is not None and longitude is not None:
        fields["latitude"], fields["longitude"] = latitude, longitude
    scene = scenes.create_scene(session, fields)
    scene.shop_id = shop.id
    session.flush()
    audit.record(session, actor, "scene.interior_added", target_type="scene",
                 target_id=str(scene.id), details={"shop_id": shop.id, "slug": scene.slug,
                                                   "panorama": panorama.public_id})
    return scene


def _free_slug(session: Session, shop_slug: str) -> str:
    """``<shop>-interior``, or with the first free number after it."""
    number = 1
    while True:
        tail = SUFFIX if number == 1 else f"{SUFFIX}-{number}"
        slug = shop_slug[:MAX_SLUG_LENGTH - len(tail)].rstrip("-") + tail
        if session.scalar(select(Scene.id).where(Scene.slug == slug)) is None:
            return slug
        number += 1
