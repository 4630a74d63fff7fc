"""Loading the demo downtown into a database, through the same doors as real content.

Panoramas are rendered (``demo.world``), ingested and tiled by the real pipeline; scenes, links,
shops, logos, hotspots and the tour are made by the domain services (``tours``), so the demo is
valid by the same rules as an editor's work. The web layer hands in what only it can do, as a
:class:`DemoMedia`: ingest a panorama file, run its tiling now, store a logo or a picture.

Idempotent, by slug. Every demo scene, shop and the tour is found by its slug, shop hotspots by
(scene, shop), info hotspots by (scene, English label), links by their two scenes. What is
missing is created and what differs from ``demo.city`` is set back to it, so a second run
changes nothing (no version moves, no row is added) and a run after editors changed the demo
resets it. Nothing else in the database is touched.

Rendering is skipped when it cannot change anything: a scene that already shows a ready
panorama ingested from this demo version's file name for the requested size keeps it
(``panorama_filename``), and a rendered file cached in ``cache_dir`` is used instead of
rendering again (a wiped database reloads in seconds). The loader flushes; its caller commits
and then deletes the objects that became unused (``LoadReport.freed``: a replaced picture's).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from demo import art
from demo.city import (
    DEMO_VERSION,
    LINKS,
    SCENES,
    SHOPS,
    TOUR,
    DemoScene,
    DemoShop,
    Landmark,
    bearing_between,
    position_of,
)
from demo.world import landmark_views, render_scene, shop_position, shop_views, view_towards
from media_tools.encoding import encode_jpeg
from tours import hotspots, links, scenes, shop_media, shops, tour_service
from tours import panoramas as tours_panoramas
from tours.images import StoredImage
from tours.models import (
    Hotspot,
    HotspotKind,
    ImageKind,
    Link,
    Panorama,
    PanoramaStatus,
    Role,
    Scene,
    Shop,
    ShopStatus,
    Tour,
    TourStatus,
    User,
    View,
)
from tours.tour_publishing import tour_copy

DEFAULT_SIZE = 4096
#: what the tiler accepts as a panorama (narrower is refused) and what is sensible to render
MIN_SIZE, MAX_SIZE = 1024, 8192
JPEG_QUALITY = 90
#: the zoom of the scenes' and stops' initial views (0 = widest, 100 = closest)
INITIAL_ZOOM = 30.0
AUTHOR = "Flaneur demo (rendered)"
LICENCE = "CC0-1.0"


class DemoError(Exception):
    """The demo could not be loaded completely (a panorama was not tiled)."""


class DemoMedia(Protocol):
    """What the loader needs from the web layer."""

    def ingest_panorama(self, data: bytes, filename: str, *, author: str, licence: str
                        ) -> Panorama:
        """Check, store and register a panorama file (commits); an identical file already
        known is returned as it is."""

    def tile(self, panoramas: Sequence[Panorama]) -> None:
        """Tile the panoramas' queued jobs now, in this process."""

    def store_logo(self, data: bytes) -> shop_media.StoredImage:
        """Check a logo, store its original and web versions; what the image row records."""

    def store_picture(self, data: bytes) -> StoredImage:
        """Check an info hotspot's picture, store its original and web versions."""


@dataclass
class LoadReport:
    """What a load did, for the command's output and the tests."""

    size: int
    rendered: list[str] = field(default_factory=list)
    from_cache: list[str] = field(default_factory=list)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    #: storage keys no row uses any more, for the caller to delete after the commit
    freed: set[str] = field(default_factory=set)

    @property
    def changed_anything(self) -> bool:
        return bool(self.rendered or self.created or self.updated)

    def count(self, kind: str, outcome: str) -> None:
        {"created": self.created, "updated": self.updated,
         "unchanged": self.unchanged}[outcome][kind] += 1


def panorama_filename(scene: DemoScene, size: int) -> str:
    """The file name a demo panorama is ingested (and cached) under: scene, size and version,
    so a scene showing a panorama of that name is known to be current without rendering."""
    return f"flaneur-v{DEMO_VERSION}-{scene.slug}-{size}.jpg"


def render_jpeg(scene: DemoScene, size: int) -> bytes:
    """The scene's panorama as JPEG bytes; the same bytes every time (same libraries)."""
    return encode_jpeg(render_scene(scene, size), quality=JPEG_QUALITY)


def system_editor() -> User:
    """The account the demo acts as: an editor that exists only in memory (never added to the
    session), so the audit log records the changes as the system's, and nobody owns the
    demo's shops."""
    return User(email="", display_name="Flaneur demo", role=Role.EDITOR, is_active=True)


def load_demo(session: Session, media: DemoMedia, *, size: int = DEFAULT_SIZE,
              cache_dir: Path | None = None,
              say: Callable[[str], None] = lambda message: None) -> LoadReport:
    """Make the database show the demo downtown (see the module's docstring); flushes."""
    if not MIN_SIZE <= size <= MAX_SIZE or size % 2:
        raise ValueError(f"size must be an even width from {MIN_SIZE} to {MAX_SIZE} pixels")
    report = LoadReport(size)
    started = time.perf_counter()
    panoramas = {scene.slug: _panorama(session, media, scene, size=size, cache_dir=cache_dir,
                                       report=report, say=say)
                 for scene in SCENES}
    report.seconds["panoramas"] = time.perf_counter() - started
    started = time.perf_counter()
    _tile(session, media, list(panoramas.values()), say)
    report.seconds["tiling"] = time.perf_counter() - started
    started = time.perf_counter()
    # nothing is written before the tiling is done: on SQLite an open write would block it
    for panorama in panoramas.values():
        if (panorama.author, panorama.licence) != (AUTHOR, LICENCE):
            tours_panoramas.update_panorama(session, panorama.public_id,
                                            {"author": AUTHOR, "licence": LICENCE})
    actor = system_editor()
    shop_rows = {demo_shop.slug: _shop(session, actor, media, demo_shop, report)
                 for demo_shop in SHOPS}
    scene_rows = {scene.slug: _scene(session, scene, panoramas[scene.slug], report)
                  for scene in SCENES}
    for first, second in LINKS:
        _link_both_ways(session, scene_rows[first], scene_rows[second], report)
    for scene in SCENES:
        _hotspots(session, media, scene, scene_rows[scene.slug], shop_rows, report=report)
    _tour(session, scene_rows, report)
    session.flush()
    report.seconds["content"] = time.perf_counter() - started
    return report


# --- panoramas --------------------------------------------------------------------------------


def _panorama(session: Session, media: DemoMedia, scene: DemoScene, *, size: int,
              cache_dir: Path | None, report: LoadReport, say: Callable[[str], None]
              ) -> Panorama:
    name = panorama_filename(scene, size)
    current = session.scalar(select(Scene).where(Scene.slug == scene.slug))
    if (current is not None and current.panorama.original_filename == name
            and current.panorama.status is PanoramaStatus.READY):
        return current.panorama
    cached = cache_dir / name if cache_dir is not None else None
    if cached is not None and cached.is_file():
        data = cached.read_bytes()
        report.from_cache.append(scene.slug)
    else:
        started = time.perf_counter()
        data = render_jpeg(scene, size)
        seconds = time.perf_counter() - started
        report.rendered.append(scene.slug)
        report.seconds[f"render {scene.slug}"] = seconds
        say(f"rendered {scene.slug} ({size}×{size // 2}) in {seconds:.1f} s")
        if cached is not None:
            _write_atomically(cached, data)
    return media.ingest_panorama(data, name, author=AUTHOR, licence=LICENCE)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _tile(session: Session, media: DemoMedia, panoramas: Sequence[Panorama],
          say: Callable[[str], None]) -> None:
    waiting = [panorama for panorama in panoramas if panorama.status is not PanoramaStatus.READY]
    if not waiting:
        return
    say(f"tiling {len(waiting)} panorama(s)")
    media.tile(waiting)
    for panorama in waiting:
        session.refresh(panorama)
    failed = [f"{panorama.original_filename}: {panorama.status.value} {panorama.error_message}"
              for panorama in waiting if panorama.status is not PanoramaStatus.READY]
    if failed:
        raise DemoError("these panoramas were not tiled: " + "; ".join(failed))


# --- shops --------------------------------------------------------------------------------------


def _shop_fields(demo_shop: DemoShop) -> dict[str, Any]:
    latitude, longitude = position_of(*shop_position(demo_shop))
    return {**demo_shop.profile, "latitude": latitude, "longitude": longitude,
            "status": ShopStatus.PUBLISHED}


def _shop(session: Session, actor: User, media: DemoMedia, demo_shop: DemoShop,
          report: LoadReport) -> Shop:
    fields = _shop_fields(demo_shop)
    shop = session.scalar(select(Shop).where(Shop.slug == demo_shop.slug))
    if shop is None:
        shop = shops.create_shop(session, actor, {"slug": demo_shop.slug, **fields},  # type: ignore[typeddict-item]
                                 default_time_zone=fields["time_zone"])
        report.count("shop", "created")
    else:
        stored = shops.clean_shop_fields(session, fields, shop=shop)  # type: ignore[arg-type]
        stale = {name for name, value in stored.items() if getattr(shop, name) != value}
        if stale:
            changes = {("category" if name == "category_key" else name):
                       fields["category" if name == "category_key" else name]
                       for name in stale}
            shops.update_shop(session, actor, shop.id, changes)  # type: ignore[arg-type]
            report.count("shop", "updated")
        else:
            report.count("shop", "unchanged")
    _logo(session, actor, media, shop, demo_shop=demo_shop, report=report)
    return shop


def _logo(session: Session, actor: User, media: DemoMedia, shop: Shop, *,
          demo_shop: DemoShop, report: LoadReport) -> None:
    data = art.logo_png(demo_shop.logo_word, demo_shop.colour, demo_shop.pictogram)
    logo = shop.logo
    if logo is not None and logo.sha256 == hashlib.sha256(data).hexdigest():
        if logo.alt_text != dict(demo_shop.logo_alt):
            shop_media.update_image(session, actor, shop.id, logo.id,
                                    alt_text=demo_shop.logo_alt)
            report.count("logo", "updated")
        else:
            report.count("logo", "unchanged")
        return
    stored = media.store_logo(data)
    shop_media.add_image(session, actor, shop.id, ImageKind.LOGO, stored,
                         alt_text=demo_shop.logo_alt)
    report.count("logo", "created" if logo is None else "updated")


# --- scenes and links ---------------------------------------------------------------------------


def _scene_fields(scene: DemoScene, panorama: Panorama) -> scenes.SceneFields:
    latitude, longitude = position_of(scene.x, scene.y)
    yaw, pitch = view_towards(scene, scene.looks_at)
    return {"panorama": panorama.public_id, "title": scene.title,
            "description": scene.description, "latitude": latitude, "longitude": longitude,
            # the panoramas are rendered with north at yaw 0 (camera heading 0)
            "north_offset": 0.0,
            "initial_view": View(yaw, pitch, INITIAL_ZOOM)}


def _scene(session: Session, scene: DemoScene, panorama: Panorama, report: LoadReport
           ) -> Scene:
    fields = _scene_fields(scene, panorama)
    row = session.scalar(select(Scene).where(Scene.slug == scene.slug))
    if row is None:
        report.count("scene", "created")
        return scenes.create_scene(session, {"slug": scene.slug, **fields})
    current = {"panorama": row.panorama.public_id, "title": row.title,
               "description": row.description, "latitude": row.latitude,
               "longitude": row.longitude, "north_offset": row.north_offset,
               "initial_view": row.initial_view}
    changes = {name: value for name, value in fields.items() if current[name] != value}
    if not changes:
        report.count("scene", "unchanged")
        return row
    report.count("scene", "updated")
    return scenes.update_scene(session, row.id, changes)  # type: ignore[arg-type]


def _link_both_ways(session: Session, first: Scene, second: Scene, report: LoadReport) -> None:
    for origin, target in ((first, second), (second, first)):
        demo_origin = next(scene for scene in SCENES if scene.slug == origin.slug)
        demo_target = next(scene for scene in SCENES if scene.slug == target.slug)
        bearing = bearing_between(demo_origin.x, demo_origin.y, demo_target.x, demo_target.y)
        length = round(((demo_target.x - demo_origin.x) ** 2
                        + (demo_target.y - demo_origin.y) ** 2) ** 0.5, 2)
        link = session.scalar(select(Link).where(Link.from_scene_id == origin.id,
                                                 Link.to_scene_id == target.id))
        if link is None:
            links.add_link(session, origin.id, {"to_scene_id": target.id, "bearing": bearing,
                                                "length_m": length, "kind": "walkway"},
                           both_directions=False)
            report.count("link", "created")
        elif (link.bearing, link.length_m, link.kind.value) != (bearing, length, "walkway"):
            links.update_link(session, link.id, {"bearing": bearing, "length_m": length,
                                                 "kind": "walkway"})
            report.count("link", "updated")
        else:
            report.count("link", "unchanged")


# --- hotspots -----------------------------------------------------------------------------------


def _hotspots(session: Session, media: DemoMedia, scene: DemoScene, row: Scene,
              shop_rows: Mapping[str, Shop], *, report: LoadReport) -> None:
    existing = list(session.scalars(select(Hotspot).where(Hotspot.scene_id == row.id)
                                    .order_by(Hotspot.id)))
    for demo_shop, view in shop_views(scene):
        shop = shop_rows[demo_shop.slug]
        match = next((hotspot for hotspot in existing if hotspot.kind is HotspotKind.SHOP
                      and hotspot.shop_id == shop.id), None)
        _place(session, row, match, {"kind": HotspotKind.SHOP, "shop_id": shop.id,
                                     "yaw": view.yaw, "pitch": view.pitch}, report)
    for landmark, (yaw, pitch) in landmark_views(scene):
        match = next((hotspot for hotspot in existing if hotspot.kind is HotspotKind.INFO
                      and hotspot.label.get("en") == landmark.label["en"]), None)
        spot = _place(session, row, match, {
            "kind": HotspotKind.INFO, "yaw": yaw, "pitch": pitch, "label": landmark.label,
            "text": landmark.text, "url": landmark.url,
            "image_alt": dict(landmark.picture_alt)}, report)
        _picture(session, media, spot, landmark, report)


def _place(session: Session, scene: Scene, hotspot: Hotspot | None,
           fields: dict[str, Any], report: LoadReport) -> Hotspot:
    if hotspot is None:
        report.count("hotspot", "created")
        return hotspots.add_hotspot(session, scene.id, fields)  # type: ignore[arg-type]
    changes = {name: value for name, value in fields.items()
               if getattr(hotspot, name) != value}
    if hotspot.valid_from is not None or hotspot.valid_until is not None:
        changes.update(valid_from=None, valid_until=None)
    if changes:
        hotspots.update_hotspot(session, hotspot.id, changes)  # type: ignore[arg-type]
        report.count("hotspot", "updated")
    else:
        report.count("hotspot", "unchanged")
    return hotspot


def _picture(session: Session, media: DemoMedia, hotspot: Hotspot, landmark: Landmark,
             report: LoadReport) -> None:
    """Show the landmark's picture on its info hotspot (or none), stored only when the
    hotspot does not show these very bytes already."""
    data = art.PICTURES[landmark.picture]() if landmark.picture else None
    current = hotspot.image
    if data is None:
        if current is not None:
            report.freed |= hotspots.remove_image(session, hotspot.id)[1]
            report.count("picture", "updated")
        return
    if current is not None and current.get("sha256") == hashlib.sha256(data).hexdigest():
        report.count("picture", "unchanged")
        return
    stored = media.store_picture(data)
    report.freed |= hotspots.set_image(session, hotspot.id, stored)[1]
    report.count("picture", "created" if current is None else "updated")


# --- the tour -----------------------------------------------------------------------------------


def _tour(session: Session, scene_rows: Mapping[str, Scene], report: LoadReport) -> None:
    fields: tour_service.TourFields = {
        "title": TOUR.title, "intro": TOUR.intro,
        "cover_scene_id": scene_rows[TOUR.cover_scene].id,
        "publish_from": None, "publish_until": None,
    }
    tour = session.scalar(select(Tour).where(Tour.slug == TOUR.slug))
    if tour is None:
        tour = tour_service.create_tour(session, {"slug": TOUR.slug, **fields})
        report.count("tour", "created")
    else:
        changes = {name: value for name, value in fields.items()
                   if getattr(tour, name) != value}
        if changes:
            tour_service.update_tour(session, tour.id, changes)  # type: ignore[arg-type]
            report.count("tour", "updated")
        else:
            report.count("tour", "unchanged")
    _stops(session, tour, scene_rows, report)
    # visitors see the copy taken at publication: publish again only when the rows differ
    if tour.status is not TourStatus.PUBLISHED or tour.published != tour_copy(tour):
        tour_service.publish_tour(session, tour.id)
        report.count("publication", "updated")


def _stops(session: Session, tour: Tour, scene_rows: Mapping[str, Scene],
           report: LoadReport) -> None:
    current = tour_service.list_stops(session, tour.id)
    for index, stop in enumerate(TOUR.stops):
        demo_scene = next(scene for scene in SCENES if scene.slug == stop.scene)
        yaw, pitch = view_towards(demo_scene, stop.looks_at)
        wanted: tour_service.StopFields = {
            "scene_id": scene_rows[stop.scene].id,
            "initial_view": View(yaw, pitch, INITIAL_ZOOM), "text": stop.text}
        if index >= len(current):
            tour_service.add_stop(session, tour.id, wanted)
            report.count("stop", "created")
            continue
        row = current[index]
        have = {"scene_id": row.scene_id, "initial_view": row.initial_view, "text": row.text}
        changes = {name: value for name, value in wanted.items() if have[name] != value}
        if changes:
            tour_service.update_stop(session, row.id, changes)  # type: ignore[arg-type]
            report.count("stop", "updated")
        else:
            report.count("stop", "unchanged")
    for row in current[len(TOUR.stops):]:
        tour_service.remove_stop(session, row.id)
        report.count("stop", "updated")
