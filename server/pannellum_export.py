"""A tour as a Pannellum tour configuration, so a city can show its walk in another viewer.

Pannellum (https://pannellum.org) reads one JSON object: ``default`` (the first scene) and
``scenes`` by id, each with its image, initial view, compass offset and ``hotSpots``. The
export takes the same data as the tour archive — the tour's stops as editors have them now —
and walks them by the visitors' rules (:mod:`tours.walk`): the tour's scenes, the links between
them as scene hotspots and the shown hotspots as info hotspots, texts in one language.

Images: each scene points at its panorama's equirectangular SD image in the public storage.
Pannellum's own multi-resolution cube format orders and orients the faces differently from
the tiles (the tile contract follows Photo Sphere Viewer), so the cube tiles are not offered;
the SD image needs no conversion and keeps the export a pure description of stored objects.

Angles: both viewers measure yaw in degrees clockwise from the image's centre. Pannellum's
``northOffset`` is the compass heading of that centre; ours is the yaw at which north lies,
hence its negation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urljoin

from flask import request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.walk_presenter import UnshowablePanorama, panorama_view
from tours import walk
from tours.i18n import localized
from tours.models import HotspotKind, Scene, Tour

#: the SD image is the panorama's full width and height: a whole sphere
FULL_SPHERE = {"haov": 360, "vaov": 180}


def _compass(north_offset: float) -> float:
    return round((-north_offset) % 360.0, 3)


def _scene(scene: Scene, title: str, image: dict[str, Any],
           hot_spots: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": title,
        "type": "equirectangular",
        # absolute: the configuration is used on other sites (local storage gives /media/…)
        "panorama": urljoin(request.host_url, image["url"]),
        **FULL_SPHERE,
        "yaw": round(scene.initial_yaw, 3),
        "pitch": round(scene.initial_pitch, 3),
        "northOffset": _compass(scene.north_offset),
        "hotSpots": hot_spots,
    }


def _hotspot(shown: walk.ShownHotspot, lang: str, default: str) -> dict[str, Any]:
    hotspot = shown.hotspot
    entry: dict[str, Any] = {"type": "info", "yaw": round(hotspot.yaw, 3),
                             "pitch": round(hotspot.pitch, 3)}
    label = localized(hotspot.label, lang, default)
    if shown.shop is not None:
        entry["text"] = label or localized(shown.shop.name, lang, default)
        entry["URL"] = url_for("shop_pages.profile", slug=shown.shop.slug, _external=True)
    else:
        text = localized(hotspot.text, lang, default)
        entry["text"] = label if not text else f"{label}: {text}" if label else text
        if hotspot.kind is HotspotKind.URL or hotspot.url:
            entry["URL"] = hotspot.url
    return entry


def pannellum_config(session: Session, tour: Tour, *, lang: str, default_language: str,
                     now: dt.datetime) -> dict[str, Any]:
    """The Pannellum configuration of ``tour``'s walk in ``lang``; scenes whose panorama has
    no SD image are left out, and so are the links to them. Raises ``ValueError`` when no
    scene of the tour can be shown."""
    order = walk.tour_scene_ids(session, tour)
    scenes = {scene.id: scene for scene in session.scalars(
        select(Scene).where(Scene.id.in_(order)).options(
            selectinload(Scene.links), selectinload(Scene.hotspots),
            selectinload(Scene.panorama)))}
    images: dict[int, dict[str, Any]] = {}
    for scene_id in order:
        try:
            image = panorama_view(scenes[scene_id].panorama).get("sd")
        except UnshowablePanorama:
            continue
        if image:
            images[scene_id] = image
    if not images:
        raise ValueError("no scene of the tour can be shown")
    shown = walk.shown_hotspots_of(session, [scenes[i] for i in images], now)
    config: dict[str, Any] = {"default": {
        "firstScene": scenes[next(i for i in order if i in images)].slug,
        "sceneFadeDuration": 1000, "autoLoad": True, "compass": True,
    }, "scenes": {}}
    for scene_id, image in images.items():
        scene = scenes[scene_id]
        links = [{
            "type": "scene", "sceneId": scenes[link.to_scene_id].slug,
            "yaw": round(walk.link_yaw(link.bearing, scene.north_offset), 3), "pitch": -10,
            "text": localized(scenes[link.to_scene_id].title, lang, default_language)
            or scenes[link.to_scene_id].slug,
        } for link in walk.shown_links(scene, set(images))]
        hotspots = [_hotspot(item, lang, default_language) for item in shown[scene_id]]
        title = localized(scene.title, lang, default_language) or scene.slug
        config["scenes"][scene.slug] = _scene(scene, title, image, links + hotspots)
    return config
