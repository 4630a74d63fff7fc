"""Moving a whole tour between installations as one zip archive (``flaneur-tour``, version 1).

What an archive holds
    ``manifest.json`` (``format: "flaneur-tour"``, ``version: 1``) describes the tour (slug,
    title, intro, status, publication window, cover scene), its stops (in order: scene, text,
    view), the scenes of its walk (``tours.walk.tour_scene_ids``: the stops' scenes and every
    scene their links reach) with their hotspots, and the links among those scenes. Beside it
    lie each scene's panorama ORIGINAL (``panoramas/<sha256>.<format>``, with author,
    licence and the regions to blur in the manifest: the original is unblurred, so its regions
    travel with it and are applied before its first tiling here; a panorama already known here
    gets the regions it lacks and is tiled again) and each info hotspot's picture original
    (``images/<sha256>.<ext>``). Tiles are never included: the importing installation tiles
    the originals itself, so its tiling settings apply. Objects refer to each other by slug;
    shop hotspots name the shop by its slug.

Importing (the archive is untrusted input)
    * Bounded: at most :data:`MAX_ENTRIES` members, each member and all of them together
      below set sizes (checked on the bytes actually read, not on the sizes the archive
      claims), the manifest below :data:`MAX_MANIFEST_BYTES`. Member names are only looked
      up, never used as paths on disk; a name with ``..``, a leading ``/`` or ``\\`` refuses
      the whole archive all the same.
    * Everything is checked before anything is stored: the manifest's shape, the files'
      SHA-256, each panorama through the same inspection as an upload, every value through
      the services editors use (``tours.scenes``, ``tours.links``, ``tours.hotspots``,
      ``tours.tour_service``), all in one transaction.
    * Slugs already taken (the tour's, a scene's) refuse the import with the list of them,
      unless a ``rename_suffix`` is given: then each taken slug gets the suffix.
    * A shop hotspot whose shop (by slug) does not exist here is skipped and reported.
    * A panorama whose SHA-256 is known here is reused (content addressing); a new one is
      registered and queued for tiling through the same steps as an upload.
    * The tour is always created as a draft, so editors review it before publishing.
    * All or nothing: one commit at the end. The files are written to storage only after
      every database change has passed validation; if writing or the commit still fails, the
      database is rolled back, the hotspot pictures just written are deleted again, and the
      panorama originals just written are left where they are (their keys are their content
      hash, so the same bytes uploaded meanwhile may share them); the panorama sweep removes
      the ones no row names once they are older than its grace period
      (:mod:`server.orphan_sweep`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from media_tools.errors import ImageRejected, PanoramaRejected
from media_tools.inspection import inspect_panorama
from media_tools.web_images import prepare_web_image
from server.extensions import db
from server.image_uploads import delete_objects, store_image
from server.image_uploads import rejection_message as image_rejection_message
from server.panorama_uploads import _facts, limits_from_config, rejection_message
from server.storage_setup import originals_storage
from tours import former_slugs, hotspot_images, hotspots, ingest, links, scenes, tour_service
from tours.errors import N_, Conflict, InvalidInput
from tours.models import (
    HotspotKind,
    HotspotStatus,
    Panorama,
    PanoramaStatus,
    Scene,
    Shop,
    Tour,
    TourStatus,
)
from tours.panorama_privacy import clean_regions
from tours.walk import tour_scene_ids

FORMAT = "flaneur-tour"
VERSION = 1
MANIFEST = "manifest.json"
MAX_ENTRIES = 1000
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
#: a hotspot picture's original (the web image limit is checked again when it is prepared)
MAX_IMAGE_BYTES = 30 * 1024 * 1024
#: all members together, uncompressed
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
HOTSPOT_IMAGE_AREA = "hotspots"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_READ_BYTES = 1024 * 1024


class ArchiveInvalid(InvalidInput):
    message = N_("This file is not a usable tour archive: %(reason)s")


class SlugsTaken(Conflict):
    message = N_("These names are already used here: %(slugs)s. Import with a rename suffix "
                 "to give the imported ones new names.")


class OriginalMissing(Conflict):
    message = N_("The original file of %(name)s is missing from storage, so the tour cannot "
                 "be exported.")


@dataclass
class ImportReport:
    tour: Tour
    #: slug in the archive → slug given here (only those that changed)
    renamed: dict[str, str] = field(default_factory=dict)
    #: ``"<scene slug>: <shop slug>"`` of shop hotspots left out (no such shop here)
    skipped_hotspots: list[str] = field(default_factory=list)
    panoramas_new: int = 0
    panoramas_reused: int = 0
    job_ids: list[int] = field(default_factory=list)


# --- export ---------------------------------------------------------------------------------


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(view: Any) -> dict[str, float] | None:
    return None if view is None else {"yaw": view.yaw, "pitch": view.pitch, "zoom": view.zoom}


def export_tour(tour: Tour, out: IO[bytes]) -> None:
    """Write ``tour`` as an archive to ``out`` (a seekable binary file). Raises
    ``OriginalMissing`` (before writing anything) when an original is not in storage, and
    ``StorageError`` when one cannot be read."""
    session = db.session
    scene_ids = list(dict.fromkeys(
        [stop.scene_id for stop in tour.stops] + tour_scene_ids(session, tour)))
    walk = {scene.id: scene for scene in session.scalars(
        select(Scene).where(Scene.id.in_(scene_ids)))}
    ordered = [walk[scene_id] for scene_id in scene_ids]
    shops = {shop.id: shop.slug for shop in session.scalars(select(Shop))}
    originals = originals_storage()
    files: dict[str, tuple[str, str]] = {}  # archive name → (storage key, sha256)
    manifest_scenes = []
    for scene in ordered:
        panorama = scene.panorama
        name = f"panoramas/{panorama.sha256}.{panorama.format or 'jpg'}"
        files[name] = (panorama.original_key, panorama.sha256)
        spots = []
        # owners' requests (waiting or rejected) are not part of the walk that moves
        for spot in sorted((spot for spot in scene.hotspots
                            if spot.status is HotspotStatus.APPROVED), key=lambda spot: spot.id):
            image = None
            if spot.image:
                record = spot.image
                extension = str(record["original_key"]).rsplit(".", 1)[-1]
                image = f"images/{record['sha256']}.{extension}"
                files[image] = (str(record["original_key"]), str(record["sha256"]))
            spots.append({
                "yaw": spot.yaw, "pitch": spot.pitch, "kind": spot.kind.value,
                "shop": shops.get(spot.shop_id) if spot.shop_id else None, "url": spot.url,
                "text": spot.text, "label": spot.label, "image_alt": spot.image_alt,
                "image": image, "valid_from": _time(spot.valid_from),
                "valid_until": _time(spot.valid_until)})
        manifest_scenes.append({
            "slug": scene.slug, "title": scene.title, "description": scene.description,
            "latitude": scene.latitude, "longitude": scene.longitude, "level": scene.level,
            "north_offset": scene.north_offset, "initial_view": _view(scene.initial_view),
            "panorama": {"file": name, "sha256": panorama.sha256, "author": panorama.author,
                         "licence": panorama.licence,
                         "original_filename": panorama.original_filename,
                         # the original is unblurred: its regions must travel with it
                         "blur_regions": panorama.blur_regions or []},
            "hotspots": spots})
    in_walk = {scene.id: scene.slug for scene in ordered}
    manifest_links = [
        {"from": in_walk[link.from_scene_id], "to": in_walk[link.to_scene_id],
         "bearing": link.bearing, "length_m": link.length_m, "kind": link.kind.value,
         "closed_until": _time(link.closed_until), "closed_reason": link.closed_reason,
         "label": link.label}
        for scene in ordered for link in sorted(scene.links, key=lambda link: link.id)
        if link.to_scene_id in in_walk]
    manifest = {
        "format": FORMAT, "version": VERSION, "exported_at": _time(dt.datetime.now(dt.UTC)),
        "tour": {"slug": tour.slug, "title": tour.title, "intro": tour.intro,
                 "status": tour.status.value, "publish_from": _time(tour.publish_from),
                 "publish_until": _time(tour.publish_until),
                 "cover_scene": tour.cover_scene.slug if tour.cover_scene else None},
        "stops": [{"scene": stop.scene.slug, "text": stop.text,
                   "initial_view": _view(stop.initial_view)} for stop in tour.stops],
        "scenes": manifest_scenes, "links": manifest_links,
    }
    for name, (key, _sha) in files.items():
        if not originals.exists(key):
            raise OriginalMissing(name=name)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, (key, _sha) in files.items():
            # originals are compressed images already
            member = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            with archive.open(member, "w") as target, originals.open(key) as source:
                while chunk := source.read(_READ_BYTES):
                    target.write(chunk)


# --- reading an untrusted archive -------------------------------------------------------------


def _refuse(reason: str) -> ArchiveInvalid:
    return ArchiveInvalid(reason=reason)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int,
                 budget: list[int]) -> IO[bytes]:
    """The member's bytes in a temporary file, read to at most ``limit`` (and the remaining
    total ``budget``) plus one byte, whatever the archive claims its size to be."""
    if info.file_size > limit or info.file_size > budget[0]:
        raise _refuse(_("%(name)s is too large.", name=info.filename[:80]))
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_READ_BYTES):
                size += len(chunk)
                if size > limit or size > budget[0]:
                    raise _refuse(_("%(name)s is too large.", name=info.filename[:80]))
                spool.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        spool.close()
        raise _refuse(_("%(name)s cannot be read.", name=info.filename[:80])) from error
    except BaseException:
        spool.close()
        raise
    budget[0] -= size
    spool.seek(0)
    return spool


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(_READ_BYTES):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _safe_name(name: str) -> bool:
    """Whether a member name is harmless (it is never used as a path, but an archive naming
    ``../x`` or ``/etc/x`` was made to attack someone and is refused whole)."""
    return (bool(name) and not name.startswith("/") and "\\" not in name and ":" not in name
            and "\x00" not in name and ".." not in name.split("/"))


def _mapping(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(_("%(name)s must be an object.", name=what))
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _refuse(_("%(name)s must be a list.", name=what))
    return value


def _slug(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _refuse(_("%(name)s must name a slug.", name=what))
    return value


@dataclass
class _Archive:
    manifest: dict[str, Any]
    files: dict[str, IO[bytes]]

    def close(self) -> None:
        for stream in self.files.values():
            stream.close()


def _entries(archive: zipfile.ZipFile, max_entries: int) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise _refuse(_("It has more than %(count)d entries.", count=max_entries))
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise _refuse(_("It names an entry twice."))
    unsafe = [name for name in names if not _safe_name(name)]
    if unsafe:
        raise _refuse(_("The entry name %(name)s is not safe.", name=repr(unsafe[0][:80])))
    return {info.filename: info for info in infos}


def read_archive(stream: IO[bytes]) -> _Archive:
    """Open and check an archive's structure; ``ArchiveInvalid`` says what is wrong."""
    config = current_app.config
    max_entries = config.get("TOUR_ARCHIVE_MAX_ENTRIES", MAX_ENTRIES)
    budget = [config.get("TOUR_ARCHIVE_MAX_BYTES", MAX_TOTAL_BYTES)]
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _refuse(_("It is not a zip file.")) from error
    with archive:
        entries = _entries(archive, max_entries)
        if MANIFEST not in entries:
            raise _refuse(_("%(name)s is missing.", name="manifest.json"))
        with _read_member(archive, entries[MANIFEST], MAX_MANIFEST_BYTES, budget) as raw:
            try:
                manifest = json.loads(raw.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise _refuse(_("manifest.json is not valid JSON.")) from error
        manifest = _mapping(manifest, "the manifest")
        if manifest.get("format") != FORMAT:
            raise _refuse(_("The format is not %(format)s.", format=FORMAT))
        if manifest.get("version") != VERSION:
            raise _refuse(_("Version %(found)s is not supported (this installation reads version "
                                    "%(version)s).", found=str(manifest.get("version"))[:20],
                                    version=VERSION))
        wanted = _wanted_files(manifest)
        files: dict[str, IO[bytes]] = {}
        try:
            for name, (sha256, limit) in wanted.items():
                if name not in entries:
                    raise _refuse(_("%(name)s is missing.", name=name[:80]))
                files[name] = _read_member(archive, entries[name], limit, budget)
                if _sha256(files[name]) != sha256:
                    raise _refuse(_("%(name)s does not match its SHA-256.", name=name[:80]))
        except BaseException:
            for opened in files.values():
                opened.close()
            raise
    return _Archive(manifest, files)


def _wanted_files(manifest: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Check the manifest's structure (values are checked by the services); return the
    member names it needs with their SHA-256 and size limit."""
    _mapping(manifest.get("tour"), "tour")
    _list(manifest.get("stops"), "stops")
    _list(manifest.get("links"), "links")
    wanted: dict[str, tuple[str, int]] = {}
    slugs = set()
    for item in _list(manifest.get("scenes"), "scenes"):
        scene = _mapping(item, "a scene")
        slug = _slug(scene.get("slug"), "a scene")
        if slug in slugs:
            raise _refuse(_("The scene %(name)s appears twice.", name=slug[:80]))
        slugs.add(slug)
        panorama = _mapping(scene.get("panorama"), f"the panorama of {slug[:80]}")
        sha256 = panorama.get("sha256")
        name = panorama.get("file")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256) \
                or not isinstance(name, str):
            raise _refuse(_("The panorama of %(name)s names no file.", name=slug[:80]))
        wanted[name] = (sha256, current_app.config["MAX_CONTENT_LENGTH"])
        for spot in _list(scene.get("hotspots", []), f"the hotspots of {slug[:80]}"):
            image = _mapping(spot, "a hotspot").get("image")
            if image is None:
                continue
            match = re.fullmatch(r"images/([0-9a-f]{64})\.[a-z0-9]{1,5}", str(image))
            if match is None:
                raise _refuse(_("A hotspot picture is named wrongly."))
            wanted[str(image)] = (match.group(1), MAX_IMAGE_BYTES)
    for stop in manifest["stops"]:
        if _slug(_mapping(stop, "a stop").get("scene"), "a stop") not in slugs:
            raise _refuse(_("A stop names a scene the archive does not hold."))
    for item in manifest["links"]:
        link = _mapping(item, "a link")
        if _slug(link.get("from"), "a link") not in slugs \
                or _slug(link.get("to"), "a link") not in slugs:
            raise _refuse(_("A link names a scene the archive does not hold."))
    return wanted


# --- importing ---------------------------------------------------------------------------------


def _new_slug(slug: str, taken: bool, suffix: str | None, renamed: dict[str, str]) -> str:
    if not taken or not suffix:
        return slug
    renamed[slug] = f"{slug}{suffix}"
    return renamed[slug]


def _check_slugs(manifest: dict[str, Any], suffix: str | None) -> tuple[str, dict[str, str],
                                                                         dict[str, str]]:
    """The tour's slug and each scene's slug here; ``SlugsTaken`` lists the conflicts when
    no suffix is given (a renamed slug that is taken too is a conflict as well)."""
    renamed: dict[str, str] = {}
    tour_slug = str(manifest["tour"].get("slug"))

    # a former slug of a tour or scene here is taken too: its old addresses lead there
    def tour_taken(slug: str) -> bool:
        return (db.session.scalar(select(Tour.id).where(Tour.slug == slug)) is not None
                or former_slugs.current_slug(db.session, Tour, slug) is not None)

    def scene_taken(slug: str) -> bool:
        return (db.session.scalar(select(Scene.id).where(Scene.slug == slug)) is not None
                or former_slugs.current_slug(db.session, Scene, slug) is not None)

    new_tour = _new_slug(tour_slug, tour_taken(tour_slug), suffix, renamed)
    scene_slugs = {scene["slug"]: _new_slug(scene["slug"], scene_taken(scene["slug"]), suffix,
                                            renamed) for scene in manifest["scenes"]}
    conflicts = sorted({*(["tour " + new_tour] if tour_taken(new_tour) else []),
                        *(slug for slug in scene_slugs.values() if scene_taken(slug))})
    if conflicts:
        raise SlugsTaken(slugs=", ".join(conflicts)[:2000])
    return new_tour, scene_slugs, renamed


def _panorama(entry: Mapping[str, Any], stream: IO[bytes], report: ImportReport,
              pending: list[tuple[Panorama, IO[bytes]]], created_by_id: int | None
              ) -> Panorama:
    """The panorama for one original: known here (reused) or registered and queued."""
    max_attempts = current_app.config["JOB_MAX_ATTEMPTS"]
    sha256 = str(entry["sha256"])
    regions = clean_regions(entry.get("blur_regions") or [], field="blur_regions")
    existing = ingest.find_by_sha256(db.session, sha256)
    if existing is not None:
        ingest.refuse_taken_down(existing)
        report.panoramas_reused += 1
        added = [region for region in regions if region not in (existing.blur_regions or [])]
        if added:
            # what the other installation blurred is blurred here too (nothing is unblurred)
            existing.blur_regions = [*(existing.blur_regions or []), *added]
        if existing.status is PanoramaStatus.FAILED:
            pending.append((existing, stream))
        if existing.status is PanoramaStatus.FAILED or added:
            report.job_ids.append(ingest.queue_tiling(db.session, existing,
                                                      max_attempts=max_attempts))
        return existing
    try:
        info = inspect_panorama(stream, limits=limits_from_config())
    except PanoramaRejected as rejection:
        raise _refuse(f"{entry['file']}: {rejection_message(rejection)}") from None
    stream.seek(0)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    panorama, job_id = ingest.register_upload(
        db.session, sha256=sha256, byte_size=size, facts=_facts(info),
        original_filename=str(entry.get("original_filename") or "")[:255],
        author=entry.get("author") or "", licence=entry.get("licence") or "",
        created_by_id=created_by_id, max_attempts=max_attempts)
    # set before the commit that releases the tiling job: the first revision is blurred already
    panorama.blur_regions = regions
    report.panoramas_new += 1
    if job_id is not None:
        report.job_ids.append(job_id)
        pending.append((panorama, stream))
    return panorama


def _when(value: object) -> object:
    """An ISO 8601 time from the manifest as a datetime (the services refuse one without a
    zone); anything but a string is passed on for the services to refuse."""
    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(_("%(value)s is not a time.", value=repr(value[:40]))) from None


def _hotspot_fields(spot: Mapping[str, Any], shop_id: int | None) -> hotspots.HotspotFields:
    fields: dict[str, Any] = {name: spot[name] for name in (
        "yaw", "pitch", "kind", "url", "text", "label", "image_alt", "valid_from",
        "valid_until") if name in spot and spot[name] is not None}
    for name in ("valid_from", "valid_until"):
        if name in fields:
            fields[name] = _when(fields[name])
    if shop_id is not None:
        fields["shop_id"] = shop_id
    if fields.get("kind") != HotspotKind.INFO.value and not fields.get("image_alt"):
        fields.pop("image_alt", None)
    return fields  # type: ignore[return-value]


def _add_hotspots(scene: Scene, entry: Mapping[str, Any], archive: _Archive, *,
                  shops: Mapping[str, int], report: ImportReport,
                  pictures: list[tuple[int, IO[bytes]]]) -> None:
    """Place a scene's hotspots; a shop hotspot whose shop is not here is skipped and
    reported; pictures are noted for writing once everything has passed."""
    for spot in entry.get("hotspots", []):
        shop_id = None
        if spot.get("kind") == HotspotKind.SHOP.value:
            shop_id = shops.get(str(spot.get("shop")))
            if shop_id is None:
                report.skipped_hotspots.append(f"{entry['slug']}: {spot.get('shop')}")
                continue
        hotspot = hotspots.add_hotspot(db.session, scene.id, _hotspot_fields(spot, shop_id))
        if spot.get("image"):
            pictures.append((hotspot.id, archive.files[spot["image"]]))


def import_archive(stream: IO[bytes], *, rename_suffix: str | None = None,
                   created_by_id: int | None = None) -> ImportReport:
    """Import an archive as a new draft tour; commits, or leaves nothing in the database.

    Raises ``ArchiveInvalid`` / ``SlugsTaken`` / the services' domain errors for archives
    that cannot be imported, and ``StorageError`` when storage fails.
    """
    archive = read_archive(stream)
    try:
        return _import(archive, rename_suffix, created_by_id)
    finally:
        archive.close()


def _import(archive: _Archive, suffix: str | None, created_by_id: int | None) -> ImportReport:
    manifest = archive.manifest
    session = db.session
    written_images: list[dict[str, Any]] = []
    try:
        tour_slug, scene_slugs, renamed = _check_slugs(manifest, suffix)
        shops: dict[str, int] = dict(session.execute(select(Shop.slug, Shop.id)).all())
        pending: list[tuple[Panorama, IO[bytes]]] = []
        report = ImportReport(tour=None, renamed=renamed)  # type: ignore[arg-type]
        scene_ids: dict[str, int] = {}
        pictures: list[tuple[int, IO[bytes]]] = []
        for entry in manifest["scenes"]:
            panorama_entry = entry["panorama"]
            panorama = _panorama(panorama_entry, archive.files[panorama_entry["file"]], report,
                                 pending, created_by_id)
            fields: dict[str, Any] = {
                name: entry[name] for name in ("title", "description", "latitude", "longitude",
                                               "level", "north_offset", "initial_view")
                if name in entry and entry[name] is not None}
            scene = scenes.create_scene(session, {**fields, "slug": scene_slugs[entry["slug"]],
                                                  "panorama": panorama.public_id})
            scene_ids[entry["slug"]] = scene.id
            _add_hotspots(scene, entry, archive, shops=shops, report=report,
                          pictures=pictures)
        for link in manifest["links"]:
            fields = {name: link[name] for name in (
                "bearing", "length_m", "kind", "closed_until", "closed_reason", "label")
                if name in link}
            if "closed_until" in fields:
                fields["closed_until"] = _when(fields["closed_until"])
            links.add_link(session, scene_ids[link["from"]],
                           {**fields, "to_scene_id": scene_ids[link["to"]]},  # type: ignore[typeddict-item]
                           both_directions=False)
        tour_entry = manifest["tour"]
        cover = tour_entry.get("cover_scene")
        tour = tour_service.create_tour(session, {
            "slug": tour_slug, "title": tour_entry.get("title"),
            "intro": tour_entry.get("intro") or {}, "status": TourStatus.DRAFT,
            "publish_from": _when(tour_entry.get("publish_from")),
            "publish_until": _when(tour_entry.get("publish_until")),
            "cover_scene_id": scene_ids.get(cover) if cover else None})
        for stop in manifest["stops"]:
            tour_service.add_stop(session, tour.id, {
                "scene_id": scene_ids[stop["scene"]], "text": stop.get("text") or {},
                "initial_view": stop.get("initial_view")})
        report.tour = tour
        # every value has passed; only now are files written
        for hotspot_id, picture in pictures:
            data = picture.read(MAX_IMAGE_BYTES + 1)
            try:
                prepared = prepare_web_image(data, purpose="photo")
            except ImageRejected as rejection:
                raise _refuse(_("A hotspot picture is refused: %(reason)s",
                                reason=image_rejection_message(rejection))) from None
            stored = store_image(prepared, data, area=HOTSPOT_IMAGE_AREA)
            written_images.append(stored.as_record())
            hotspots.set_image(session, hotspot_id, stored)
        for panorama, original in pending:
            original.seek(0)
            originals_storage().put(panorama.original_key, original,
                                    content_type=f"image/{panorama.format or 'jpeg'}")
        session.commit()
    except BaseException:
        session.rollback()
        if written_images:
            delete_objects(hotspot_images.unused_keys(session, written_images))
        raise
    return report
