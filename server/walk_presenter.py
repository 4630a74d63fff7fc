"""What visitors see of tours and scenes, in their language: the bodies of ``/api/walk``.

Texts are localised with the city's fallback (``server.shop_presenter.text``); storage keys
become the public storage's URLs (the bucket or CDN on S3, ``/media/…`` for a local folder), so
the browser fetches tiles straight from there. Nothing an editor works with (versions, who made
what, GPS read from the files, storage keys) is part of these bodies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from media_tools.projection import FACES
from media_tools.tiling import MANIFEST_KEY
from server.extensions import db
from server.shop_presenter import shop_card, text
from server.storage import StorageError
from server.storage_setup import public_storage
from tours.floor_plans import level_order
from tours.ingest import revision_prefix
from tours.models import FloorPlan, Hotspot, Link, Panorama, Scene
from tours.tour_publishing import PublishedTour
from tours.walk import ShownHotspot, ShownStop, link_yaw, shown_stops, tour_scene_ids
from tours.walk_plan import PlanScene, TourPlan


class UnshowablePanorama(Exception):
    """The panorama's manifest cannot be turned into a viewer configuration."""


def scene_ref(scene: Scene) -> dict[str, Any]:
    """Enough to name a scene and open it: ``/api/walk/scenes/<slug>``."""
    return {"id": scene.id, "slug": scene.slug, "title": text(scene.title)}


def location(scene: Scene) -> dict[str, float] | None:
    if scene.latitude is None or scene.longitude is None:
        return None
    return {"latitude": scene.latitude, "longitude": scene.longitude}


def _url(key: str | None) -> str | None:
    """The public URL of ``key``, or None when there is none to give."""
    if not key:
        return None
    try:
        return public_storage().public_url(key)
    except StorageError:
        current_app.logger.warning("no public URL for %r", key)
        return None


def _fill(template: str, **values: object) -> str:
    """``template`` with ``{name}`` replaced; unlike ``str.format``, other braces stay."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def _image(panorama: Panorama, entry: object) -> dict[str, Any] | None:
    """``{url, width, height}`` of a manifest's ``sd`` or ``thumbnail`` entry."""
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None
    url = _url(f"{revision_prefix(panorama, str(panorama.current_revision))}/{entry['key']}")
    if url is None:
        return None
    return {"url": url, "width": entry.get("width"), "height": entry.get("height")}


def panorama_view(panorama: Panorama) -> dict[str, Any]:
    """The tiled panorama as the viewer needs it (the tile contract in docs/architecture.md).

    ``levels`` and ``keys`` are the manifest's, so the viewer's ``tiledPanorama(panorama,
    panorama.base_url)`` works on it as on a manifest; ``tile_url`` and ``preview`` are the
    same resolved to URLs. Raises :class:`UnshowablePanorama` for a manifest that does not
    follow the contract.
    """
    manifest = panorama.manifest
    try:
        if not isinstance(manifest, dict) or not panorama.current_revision:
            raise ValueError("no manifest")
        prefix = revision_prefix(panorama, panorama.current_revision)
        keys = manifest["keys"]
        tile_key, preview_key = str(keys["tile"]), str(keys["preview"])
        levels = sorted(({"z": int(level["z"]), "face_size": int(level["face_size"]),
                          "nb_tiles": int(level["nb_tiles"])} for level in manifest["levels"]),
                        key=lambda level: level["z"])
        if not levels or levels[0]["z"] < 1:
            raise ValueError("no tile levels")
        storage = public_storage()
        base_url = storage.public_url(f"{prefix}/{MANIFEST_KEY}").removesuffix(
            f"/{MANIFEST_KEY}")
        # a template that would not give valid keys is refused here, not in the browser
        storage.public_url(f"{prefix}/{_fill(tile_key, z=1, face='f', y=0, x=0)}")
        previews = {face: storage.public_url(f"{prefix}/{_fill(preview_key, face=face)}")
                    for face in FACES}
        preview_size = int(manifest.get("preview", {}).get("face_size", 0)) or None
        tile_size = int(manifest["tile_size"])
    except (KeyError, TypeError, ValueError, AttributeError, StorageError) as exc:
        raise UnshowablePanorama(f"panorama {panorama.public_id}: {exc!r}") from exc
    return {
        "id": panorama.public_id,
        "revision": panorama.current_revision,
        "base_url": base_url,
        "tile_size": tile_size,
        "face_size": levels[-1]["face_size"],
        "levels": levels,
        "keys": {"tile": tile_key, "preview": preview_key},
        "tile_url": f"{base_url}/{tile_key}",
        "preview": {"face_size": preview_size, "faces": previews},
        "sd": _image(panorama, manifest.get("sd")),
        "thumbnail": _image(panorama, manifest.get("thumbnail")),
    }


def thumbnail(scene: Scene) -> dict[str, Any] | None:
    """The scene's small equirectangular picture, for lists."""
    manifest = scene.panorama.manifest
    return _image(scene.panorama, manifest.get("thumbnail")) if isinstance(manifest, dict) \
        else None


def share_image(scene: Scene) -> dict[str, Any] | None:
    """The scene's share image (1200 × 630, its initial view), None until rendered."""
    url = _url(scene.share_image_key)
    return {"url": url, "width": 1200, "height": 630} if url else None


def cover(tour: PublishedTour, stops: list[ShownStop]) -> dict[str, Any] | None:
    """The picture of a tour in lists: its cover scene's share image (else thumbnail), else
    the first stop's. The cover counts only when visitors can walk to it from the tour (a
    stop, or a scene its links reach), so a list never shows a scene that is not public."""
    cover_scene = tour.cover_scene
    if cover_scene is not None and cover_scene.id not in {stop.scene_id for stop in stops} \
            and cover_scene.id not in tour_scene_ids(db.session, tour):
        cover_scene = None
    candidates = [scene for scene in (cover_scene, *(stop.scene for stop in stops[:1]))
                  if scene is not None]
    for scene in candidates:
        picture = share_image(scene) or thumbnail(scene)
        if picture is not None:
            return picture
    return None


def tour_summary(tour: PublishedTour) -> dict[str, Any]:
    """A tour in the visitors' list."""
    stops = shown_stops(tour)
    return {
        "id": tour.id,
        "slug": tour.slug,
        "title": text(tour.title),
        "intro": text(tour.intro),
        "cover": cover(tour, stops),
        "stop_count": len(stops),
        "first_scene": scene_ref(stops[0].scene) if stops else None,
        "available_until": tour.publish_until.isoformat() if tour.publish_until else None,
    }


def stop_view(position: int, stop: ShownStop) -> dict[str, Any]:
    scene = stop.scene
    view = stop.initial_view or scene.initial_view
    return {
        "position": position,
        "scene": {**scene_ref(scene), "location": location(scene), "level": scene.level,
                  "thumbnail": thumbnail(scene)},
        "initial_view": view.as_dict(),
        "text": text(stop.text),
    }


def plan(stops: list[dict[str, Any]]) -> dict[str, Any]:
    """The stops on a map: each placed stop, and the box around them (None without any)."""
    points = [{"position": stop["position"], "scene": stop["scene"]["slug"],
               **stop["scene"]["location"]} for stop in stops if stop["scene"]["location"]]
    bounds = None
    if points:
        latitudes = [point["latitude"] for point in points]
        longitudes = [point["longitude"] for point in points]
        bounds = {"south": min(latitudes), "west": min(longitudes),
                  "north": max(latitudes), "east": max(longitudes)}
    return {"points": points, "bounds": bounds}


def tour_detail(tour: PublishedTour) -> dict[str, Any]:
    """A tour with its stops numbered 1, 2, … as visitors see them."""
    stops = [stop_view(position, stop)
             for position, stop in enumerate(shown_stops(tour), start=1)]
    return {**tour_summary(tour), "stops": stops, "plan": plan(stops)}


def floor_plan_title(floor_plan: FloorPlan) -> str:
    """A floor plan's title in the visitor's language, else "Level <level>"."""
    return text(floor_plan.title) or _("Level %(level)s", level=floor_plan.level)


def floor_plan_view(floor_plan: FloorPlan) -> dict[str, Any] | None:
    """A venue level's floor plan as the viewer draws it; None without a drawing to show."""
    url = _url(floor_plan.image_key)
    if url is None:
        return None
    return {"id": floor_plan.id, "venue": floor_plan.venue, "level": floor_plan.level,
            "title": floor_plan_title(floor_plan),
            "image": {"url": url, "width": floor_plan.image_width,
                      "height": floor_plan.image_height}}


def tour_plan_view(tour: PublishedTour, plan: TourPlan,
                   background: dict[str, Any] | None) -> dict[str, Any]:
    """The plan of a tour's walk: its placed scenes (with their places on floor plans), the
    ways between them, the floor plans they lie on and the map to draw under them
    (``background``, None without one)."""
    floor_plans: dict[int, dict[str, Any] | None] = {}
    for entry in plan.scenes:
        floor_plan = entry.scene.floor_plan
        if entry.floor is not None and floor_plan is not None \
                and floor_plan.id not in floor_plans:
            floor_plans[floor_plan.id] = floor_plan_view(floor_plan)
    shown = {floor_plan_id: view for floor_plan_id, view in floor_plans.items() if view}

    def floor(entry: PlanScene) -> dict[str, Any] | None:
        if entry.floor is None or entry.floor.floor_plan_id not in shown:
            return None
        return {"floor_plan": entry.floor.floor_plan_id, "x": entry.floor.x, "y": entry.floor.y}

    scenes = [{
        **scene_ref(entry.scene),
        "location": {"latitude": entry.position.latitude,
                     "longitude": entry.position.longitude} if entry.position else None,
        "floor": floor(entry),
        "north_offset": entry.scene.north_offset,
        "stops": list(entry.stops),
        "initial_view": entry.view.as_dict(),
    } for entry in plan.scenes]
    # a scene placed only on a floor plan whose drawing cannot be shown is on no plan
    placed = [scene for scene in scenes if scene["location"] or scene["floor"]]
    slugs = {scene["slug"] for scene in placed}
    return {
        "tour": tour.slug,
        "scenes": placed,
        "links": [list(pair) for pair in plan.links if set(pair) <= slugs],
        "floor_plans": sorted(shown.values(), key=lambda view: (
            view["venue"].casefold(), level_order(view["level"]), view["id"])),
        "background": background,
    }


def link_view(scene: Scene, link: Link, now: dt.datetime) -> dict[str, Any]:
    closed = link.is_closed(now)
    return {
        "scene": scene_ref(link.to_scene),
        "bearing": link.bearing,
        "yaw": round(link_yaw(link.bearing, scene.north_offset), 6),
        "kind": link.kind.value,
        "length_m": link.length_m,
        "label": text(link.label),
        "closed": {"until": link.closed_until.isoformat() if link.closed_until else None,
                   "reason": text(link.closed_reason)} if closed else None,
    }


def hotspot_image(hotspot: Hotspot) -> dict[str, Any] | None:
    """An info hotspot's picture: its large version (``url``, ``width``, ``height``), the
    description (``alt``, "" when none was written) and the ``thumb`` version for narrow
    screens; None without a picture or a URL for it."""
    image = hotspot.image
    if not image:
        return None
    variants = image["variants"]
    large, thumb = variants.get("large"), variants.get("thumb")
    url = _url(large["key"]) if large else None
    if url is None:
        return None
    thumb_url = _url(thumb["key"]) if thumb else None
    return {"url": url, "width": large["width"], "height": large["height"],
            "alt": text(hotspot.image_alt),
            "thumb": ({"url": thumb_url, "width": thumb["width"], "height": thumb["height"]}
                      if thumb_url else None)}


def hotspot_view(shown: ShownHotspot, now: dt.datetime) -> dict[str, Any]:
    hotspot: Hotspot = shown.hotspot
    card = shop_card(shown.shop, now) if shown.shop is not None else None
    label = text(hotspot.label) or (card["name"] if card else "")
    return {
        "id": hotspot.id,
        "kind": hotspot.kind.value,
        "yaw": hotspot.yaw,
        "pitch": hotspot.pitch,
        "label": label,
        "text": text(hotspot.text),
        "url": hotspot.url,
        "shop": card,
        "image": hotspot_image(hotspot),
        "valid_until": hotspot.valid_until.isoformat() if hotspot.valid_until else None,
    }


def scene_node(scene: Scene, links: list[Link], hotspots: list[ShownHotspot],
               now: dt.datetime) -> dict[str, Any]:
    """A scene as the viewer's virtual tour needs it (Photo Sphere Viewer calls it a node)."""
    panorama = scene.panorama
    return {
        **scene_ref(scene),
        "description": text(scene.description),
        "panorama": panorama_view(panorama),
        "credit": {"author": panorama.author, "licence": panorama.licence},
        "location": location(scene),
        "level": scene.level,
        "north_offset": scene.north_offset,
        "initial_view": scene.initial_view.as_dict(),
        "share_image": share_image(scene),
        "links": [link_view(scene, link, now) for link in links],
        "hotspots": [hotspot_view(shown, now) for shown in hotspots],
    }
