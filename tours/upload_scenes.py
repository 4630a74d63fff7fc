"""Scenes made from uploaded panoramas, and tiling a panorama again on an editor's request.

The editors' bulk upload turns every new file into a scene at once, in the transaction that
registers the panorama, so it happens even when the editor closes the page right after sending:

- **slug** from the file name (``Markt Platz (2).JPG`` → ``markt-platz-2``), with ``-2``, ``-3``…
  added when another scene has it; ``panorama-<public id>`` when the name gives too little;
- **title** the file name without its extension, in one language only (the city's default):
  the editor writes real titles later, in every language they need;
- **position** the camera's GPS position, when the file has one;
- **north offset** from the camera's heading (GPano ``PoseHeadingDegrees``: the compass
  direction of the image's centre, i.e. of yaw 0). North lies where the heading is 0, that is
  at yaw ``−heading``: ``north_offset = −heading`` normalised to −180 ≤ offset < 180, so a link
  with bearing ``b`` shows its arrow at ``north_offset + b`` (``tours.walk``) in the right place;
- the **capture time** stays on the panorama (``captured_at``), where the editors see it.

Uploading the same bytes again is the same panorama (``tours.ingest``), and this module gives
back the scene that already shows it instead of making a second one.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours import jobs as job_service
from tours.errors import N_, Conflict
from tours.ingest import TILE_JOB, queue_tiling, refuse_taken_down
from tours.models import Job, JobStatus, Panorama, Scene
from tours.scenes import MAX_TITLE_LENGTH, SceneFields, create_scene

#: a slug made from a file name is cut to this length, leaving room for a ``-<n>`` suffix
SLUG_STEM_LENGTH = 72
#: the shortest slug (``tours.validation.SLUG_PATTERN``)
MIN_SLUG_LENGTH = 3


class TilingPending(Conflict):
    """The panorama is waiting for tiling or being tiled: a second job would only race it."""

    message = N_("This panorama is being tiled already. Wait until it is ready or has failed.")


def north_offset_from_heading(heading: float) -> float:
    """The yaw at which north lies in a panorama whose centre faces compass ``heading``
    (degrees clockwise from north), in −180 ≤ offset < 180."""
    offset = (-heading + 180.0) % 360.0 - 180.0
    return offset + 0.0  # turns -0.0 into 0.0


def slug_stem(filename: str) -> str | None:
    """The slug a file name suggests (lower-case ASCII letters, digits, hyphens), or None when
    too little of the name is left."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    ascii_name = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:SLUG_STEM_LENGTH].rstrip("-")
    return slug if len(slug) >= MIN_SLUG_LENGTH else None


def unique_slug(session: Session, stem: str) -> str:
    """``stem`` when no scene has it, else ``stem-2``, ``stem-3``… (the first one free)."""
    # slugs hold only a-z, 0-9 and "-", so the pattern has no wildcard but its own "%"
    taken = set(session.scalars(select(Scene.slug).where(Scene.slug.like(f"{stem}%"))))
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def title_from_filename(filename: str) -> str:
    """The file name without its extension, trimmed to a title's length ("" for no name)."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    visible = "".join(char for char in stem if unicodedata.category(char)[0] != "C")
    return unicodedata.normalize("NFC", visible).strip()[:MAX_TITLE_LENGTH].strip()


def scene_fields_for(session: Session, panorama: Panorama, *, language: str) -> SceneFields:
    """The fields of a new scene showing ``panorama`` (see the module's docstring)."""
    name = panorama.original_filename or ""
    stem = slug_stem(name) or f"panorama-{panorama.public_id}"
    fields: SceneFields = {
        "slug": unique_slug(session, stem),
        "panorama": panorama.public_id,
        "title": {language: title_from_filename(name) or f"Panorama {panorama.public_id}"},
    }
    if panorama.gps_latitude is not None and panorama.gps_longitude is not None:
        fields["latitude"] = panorama.gps_latitude
        fields["longitude"] = panorama.gps_longitude
    if panorama.pose_heading is not None:
        fields["north_offset"] = north_offset_from_heading(panorama.pose_heading)
    return fields


def scene_showing(session: Session, panorama: Panorama) -> Scene | None:
    """The oldest scene showing ``panorama``, or None."""
    return session.scalars(
        select(Scene).where(Scene.panorama_id == panorama.id).order_by(Scene.id).limit(1)
    ).first()


def scene_for_upload(session: Session, panorama: Panorama, *, language: str
                     ) -> tuple[Scene, bool]:
    """The scene showing an uploaded panorama: the one that already does (re-upload of the same
    file), else a new one made by the rules above. Returns ``(scene, created)``; flushes.

    ``language`` is the one the title is written in (the city's default language). Two
    uploads racing for the same new slug meet the unique constraint at the flush or commit;
    the loser tries again and finds the next free slug.
    """
    existing = scene_showing(session, panorama)
    if existing is not None:
        return existing, False
    return create_scene(session, scene_fields_for(session, panorama, language=language)), True


def pending_tiling(session: Session, panorama: Panorama) -> Job | None:
    """A tiling job of ``panorama`` that is queued or running, if any."""
    jobs = session.scalars(select(Job).where(
        Job.kind == TILE_JOB, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))))
    return next((job for job in jobs if job.payload.get("panorama_id") == panorama.id), None)


def retile(session: Session, panorama: Panorama, *,
           max_attempts: int = job_service.DEFAULT_MAX_ATTEMPTS) -> int:
    """Queue ``panorama`` for tiling again; returns the job id.

    A ready panorama keeps showing its tiles until the new revision replaces them; a failed
    one has its error cleared and is queued again. While a tiling job of it is queued or
    running, a second one is refused (:class:`TilingPending`); a panorama left queued or
    tiling without any such job (its job gave up without recording the failure) counts as
    failed. A taken-down panorama is never tiled again (:class:`tours.ingest.PanoramaTakenDown`).
    """
    refuse_taken_down(panorama)
    if pending_tiling(session, panorama) is not None:
        raise TilingPending()
    return queue_tiling(session, panorama, max_attempts=max_attempts)
