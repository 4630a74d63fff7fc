"""Taking in a panorama file: check it, store the original, register it, queue its tiling.

Shared by the upload endpoint and ``flask media ingest``. The order matters: the file is checked
from its headers first (nothing is stored for a refused file), the original is stored before
the database row that points at it is committed (no row ever points at a missing object; an
object without a row is harmless, as its key is its content hash), and the tiling job is queued
in the same transaction as the panorama.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from media_tools.errors import PanoramaRejected, RejectionCode
from media_tools.formats import Limits
from media_tools.inspection import PanoramaInfo, inspect_panorama
from server.city_settings import city
from server.extensions import db
from server.storage_setup import originals_storage
from tours import ingest, upload_scenes
from tours.models import Panorama, PanoramaStatus, Scene

#: read uploads in pieces of this size (hashing, copying)
CHUNK_BYTES = 1024 * 1024

#: what each refusal says to the uploader; the codes are media_tools' stable API
REJECTION_MESSAGES = {
    RejectionCode.EMPTY: _l("The file is empty."),
    RejectionCode.UNSUPPORTED_FORMAT: _l(
        "This file type is not accepted. Please upload a JPEG, PNG or WebP image."),
    RejectionCode.CORRUPT: _l("The image file is damaged and cannot be read."),
    RejectionCode.TRUNCATED: _l("The image file is incomplete (cut off). Please upload it again."),
    RejectionCode.TOO_LARGE: _l(
        "The image is too large: at most %(max_width)s × %(max_height)s pixels are accepted."),
    RejectionCode.TOO_SMALL: _l(
        "The image is too small for a panorama: it must be at least %(min_width)s pixels wide."),
    RejectionCode.NOT_EQUIRECTANGULAR: _l(
        "This is not a 360° panorama: a full panorama is twice as wide as it is high "
        "(equirectangular)."),
    RejectionCode.BAD_CROP: _l(
        "The image's panorama data (GPano) describes an impossible crop."),
    RejectionCode.ANIMATED: _l("Animated images cannot be panoramas."),
    RejectionCode.BAD_MODE: _l("The image's colour format is not supported."),
    RejectionCode.METADATA_TOO_LARGE: _l("The image carries too much embedded metadata."),
}
#: HTTP status per refusal; anything else is 422
REJECTION_STATUS = {RejectionCode.UNSUPPORTED_FORMAT: 415, RejectionCode.TOO_LARGE: 413}
#: how often a new upload is registered again after losing a race for a new scene's slug
SLUG_RACE_TRIES = 3


@dataclass(frozen=True)
class IngestResult:
    panorama: Panorama
    created: bool
    #: the tiling job queued for a new panorama (None for an existing one)
    job_id: int | None
    #: the scene showing the panorama, when one was asked for (``scene_language``)
    scene: Scene | None = None
    #: whether that scene was made by this upload (False: it showed the panorama already)
    scene_created: bool = False


def limits_from_config() -> Limits:
    config = current_app.config
    return Limits(max_width=config["PANORAMA_MAX_WIDTH"], max_height=config["PANORAMA_MAX_HEIGHT"],
                  max_file_bytes=config["MAX_CONTENT_LENGTH"])


def rejection_message(rejection: PanoramaRejected) -> str:
    """The uploader's language's explanation of ``rejection``."""
    limits = limits_from_config()
    template = REJECTION_MESSAGES.get(rejection.code)
    if template is None:
        return _("The image cannot be used as a panorama.")
    return str(template) % {"max_width": limits.max_width, "max_height": limits.max_height,
                            "min_width": limits.min_width}


def rejection_status(rejection: PanoramaRejected) -> int:
    return REJECTION_STATUS.get(rejection.code, 422)


def display_filename(name: str) -> str:
    """The uploader's file name reduced to something safe to show: the last path segment,
    without control or format characters (NUL, RTL overrides), at most 255 characters. It is
    only ever shown; storage keys are made from the content hash."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    visible = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    return visible.strip()[:255]


def _hash_and_size(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A capture time with its zone. Most cameras write the local time without one (EXIF
    ``DateTimeOriginal`` without ``OffsetTimeOriginal``): that is read as the city's time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(city().time_zone))


def _facts(info: PanoramaInfo) -> ingest.ImageFacts:
    placement = info.placement
    crop = None
    if placement.is_partial:
        crop = {"full_width": placement.full_width, "full_height": placement.full_height,
                "left": placement.left, "top": placement.top,
                "width": placement.width, "height": placement.height}
    return ingest.ImageFacts(
        width=placement.full_width, height=placement.full_height,
        format=info.format.lower(), captured_at=_aware(info.capture_time),
        gps_latitude=info.gps.latitude if info.gps else None,
        gps_longitude=info.gps.longitude if info.gps else None,
        gps_altitude=info.gps.altitude if info.gps else None,
        pose_heading=info.pose_heading, pose_pitch=info.pose_pitch or None,
        pose_roll=info.pose_roll or None, crop=crop,
    )


def _scene(panorama: Panorama, scene_language: str | None) -> tuple[Scene | None, bool]:
    """The scene for ``panorama`` when one is asked for (flushes; the caller commits)."""
    if scene_language is None:
        return None, False
    return upload_scenes.scene_for_upload(db.session, panorama, language=scene_language)


def _existing(panorama: Panorama, scene_language: str | None) -> IngestResult:
    """An upload of known bytes: the panorama as it is, with its scene (made now if none
    shows it yet, e.g. after an upload without ``scene_language``)."""
    for attempt in range(SLUG_RACE_TRIES):
        try:
            scene, scene_created = _scene(panorama, scene_language)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt + 1 == SLUG_RACE_TRIES:
                raise
            continue
        except BaseException:
            db.session.rollback()
            raise
        return IngestResult(panorama, created=False, job_id=None, scene=scene,
                            scene_created=scene_created)
    raise AssertionError("unreachable")


def _retry(panorama: Panorama, stream: IO[bytes], scene_language: str | None) -> IngestResult:
    try:
        originals_storage().put(panorama.original_key, stream,
                                content_type=f"image/{panorama.format or 'jpeg'}")
        job_id = ingest.queue_tiling(db.session, panorama,
                                     max_attempts=current_app.config["JOB_MAX_ATTEMPTS"])
        scene, scene_created = _scene(panorama, scene_language)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return IngestResult(panorama, created=False, job_id=job_id, scene=scene,
                        scene_created=scene_created)


def ingest_file(
    stream: IO[bytes], *, filename: str = "", author: str = "", licence: str = "",
    created_by_id: int | None = None, scene_language: str | None = None,
) -> IngestResult:
    """Check, store and register one panorama file; commits.

    With ``scene_language`` the panorama is shown in a scene too, made in the same transaction
    by ``tours.upload_scenes`` (title in that language); the same file again gives back the
    scene that shows it already.

    Raises ``PanoramaRejected`` for a file that cannot be a panorama (nothing stored),
    ``PanoramaTakenDown`` for the file of a panorama taken down after a report,
    ``StorageError`` when the originals storage fails (nothing registered), and domain errors
    for bad credits.
    """
    sha256, size = _hash_and_size(stream)
    existing = ingest.find_by_sha256(db.session, sha256)
    if existing is not None:
        # taken down after a report: the same bytes are refused, never quietly shown again
        ingest.refuse_taken_down(existing)
    if existing is not None and existing.status is not PanoramaStatus.FAILED:
        return _existing(existing, scene_language)
    if existing is not None:
        # uploading a failed panorama again is how an editor retries it: the original is
        # stored anew (in case it was what broke) and tiling is queued once more
        return _retry(existing, stream, scene_language)
    if size == 0:
        raise PanoramaRejected(RejectionCode.EMPTY, "The file is empty.")
    info = inspect_panorama(stream, limits=limits_from_config())
    stream.seek(0)
    facts = _facts(info)
    for attempt in range(SLUG_RACE_TRIES):
        try:
            panorama, job_id = ingest.register_upload(
                db.session, sha256=sha256, byte_size=size, facts=facts,
                original_filename=display_filename(filename),
                author=author, licence=licence, created_by_id=created_by_id,
                max_attempts=current_app.config["JOB_MAX_ATTEMPTS"],
            )
            scene, scene_created = _scene(panorama, scene_language)
            if job_id is not None:
                stream.seek(0)
                originals_storage().put(panorama.original_key, stream,
                                        content_type=info.mime_type)
            db.session.commit()
        except IntegrityError:
            # an identical upload was registered first (at our insert or our commit): it wins
            db.session.rollback()
            winner = ingest.find_by_sha256(db.session, sha256)
            if winner is not None:
                return _existing(winner, scene_language)
            if scene_language is None or attempt + 1 == SLUG_RACE_TRIES:
                raise
            # another upload took the new scene's slug first: register again, next slug
            continue
        except BaseException:
            db.session.rollback()
            raise
        return IngestResult(panorama, created=job_id is not None, job_id=job_id, scene=scene,
                            scene_created=scene_created)
    raise AssertionError("unreachable")
