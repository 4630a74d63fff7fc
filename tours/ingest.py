"""Panorama ingest: registering an upload and the life of its tiled revisions.

An upload is identified by the SHA-256 of its bytes: the same file twice is one panorama, with
one tiling job. Tiling writes a new revision under ``panoramas/<public_id>/<revision>/``; only
when its manifest is written does the panorama switch to it, and the revision it replaces is
retired, kept for a grace period (open viewers, caches) and then removed by the sweep.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tours import jobs as job_service
from tours.errors import N_, Conflict
from tours.models import (
    Job,
    JobStatus,
    Panorama,
    PanoramaRevision,
    PanoramaStatus,
    RevisionState,
    Scene,
    utcnow,
)
from tours.panoramas import MAX_AUTHOR_LENGTH, MAX_LICENCE_LENGTH
from tours.validation import clean_text

#: the job kind that turns an original into tiles
TILE_JOB = "tile_panorama"
#: the job kind that removes retired revisions and unused panoramas
SWEEP_JOB = "sweep_panoramas"
#: a sweep runs this long after the moment it waits for, so that moment has surely passed
SWEEP_SLACK = dt.timedelta(minutes=1)
#: the job kind that renders a scene's share image (og:image) from its panorama's SD copy
SHARE_IMAGE_JOB = "render_share_image"
#: the job kind that deletes a taken-down panorama's original and tiles (``tours.image_reports``)
PURGE_JOB = "purge_panorama"
#: job kind: delete at once the older revisions of a panorama just tiled with blurred regions
#: (they may show a face or plate unblurred), instead of after the sweep's grace period
PURGE_UNBLURRED_JOB = "purge_unblurred_revisions"


class PanoramaTakenDown(Conflict):
    """The file is a panorama an editor took down after a report: it is not taken back in.

    Content addressing would otherwise quietly revive it (the same bytes, the same panorama);
    an editor who wants the picture back uploads an edited (e.g. blurred) file, which is a new
    panorama.
    """

    message = N_("This image was taken down after a report and cannot be uploaded again. "
                 "Upload an edited version instead.")


def refuse_taken_down(panorama: Panorama) -> None:
    """Raise :class:`PanoramaTakenDown` for a taken-down panorama."""
    if panorama.status is PanoramaStatus.TAKEN_DOWN:
        raise PanoramaTakenDown()


@dataclass(frozen=True)
class ImageFacts:
    """What inspecting the original found (all optional but the size and format)."""

    width: int
    height: int
    format: str
    captured_at: dt.datetime | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    pose_heading: float | None = None
    pose_pitch: float | None = None
    pose_roll: float | None = None
    crop: dict[str, Any] | None = None


def originals_key(sha256: str, image_format: str) -> str:
    """Where an original lives in the originals storage: by content, so re-uploads coincide."""
    return f"panoramas/{sha256[:2]}/{sha256}.{image_format}"


def revision_prefix(panorama: Panorama, revision: str) -> str:
    """The public storage prefix of one revision's objects."""
    return f"panoramas/{panorama.public_id}/{revision}"


def find_by_sha256(session: Session, sha256: str) -> Panorama | None:
    return session.scalar(select(Panorama).where(Panorama.sha256 == sha256))


def register_upload(
    session: Session,
    *,
    sha256: str,
    byte_size: int,
    facts: ImageFacts,
    original_filename: str = "",
    author: str = "",
    licence: str = "",
    created_by_id: int | None = None,
    max_attempts: int = 5,
) -> tuple[Panorama, int | None]:
    """The panorama for an uploaded original, and the tiling job queued for it if it is new.

    A new panorama is queued for tiling in the same transaction. An identical earlier upload is
    returned as it is: no second panorama, no second job. Concurrent identical uploads race on
    the unique ``sha256``; the loser's commit fails and it should look the panorama up again.
    """
    existing = find_by_sha256(session, sha256)
    if existing is not None:
        refuse_taken_down(existing)
        return existing, None
    panorama = Panorama(
        sha256=sha256,
        byte_size=byte_size,
        width=facts.width,
        height=facts.height,
        format=facts.format,
        original_filename=clean_text(original_filename, field="filename", max_length=255),
        original_key=originals_key(sha256, facts.format),
        captured_at=facts.captured_at,
        gps_latitude=facts.gps_latitude,
        gps_longitude=facts.gps_longitude,
        gps_altitude=facts.gps_altitude,
        pose_heading=facts.pose_heading,
        pose_pitch=facts.pose_pitch,
        pose_roll=facts.pose_roll,
        crop=facts.crop,
        author=clean_text(author, field="author", max_length=MAX_AUTHOR_LENGTH),
        licence=clean_text(licence, field="licence", max_length=MAX_LICENCE_LENGTH),
        status=PanoramaStatus.QUEUED,
        created_by_id=created_by_id,
    )
    session.add(panorama)
    session.flush()
    return panorama, queue_tiling(session, panorama, max_attempts=max_attempts)


def queue_tiling(session: Session, panorama: Panorama, *, max_attempts: int = 5) -> int:
    """Queue (re-)tiling of ``panorama``; returns the job id. A taken-down panorama is never
    tiled again (:class:`PanoramaTakenDown`)."""
    refuse_taken_down(panorama)
    job = job_service.enqueue(session, TILE_JOB, {"panorama_id": panorama.id},
                              max_attempts=max_attempts)
    if panorama.current_revision is None:
        panorama.status = PanoramaStatus.QUEUED
        panorama.error_code = ""
        panorama.error_message = ""
    return job.id


def queue_share_image(session: Session, scene: Scene) -> None:
    """Queue (re-)rendering ``scene``'s share image; the job skips an image still current."""
    job_service.enqueue(session, SHARE_IMAGE_JOB, {"scene_id": scene.id})


def scenes_showing(session: Session, panorama: Panorama) -> list[Scene]:
    return list(session.scalars(select(Scene).where(Scene.panorama_id == panorama.id)))


def new_revision_id(now: dt.datetime | None = None) -> str:
    """A revision id that sorts by time and never repeats: ``20261122T031500-3f9a1c``."""
    moment = (now or utcnow()).astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def start_revision(session: Session, panorama: Panorama, revision_id: str,
                   now: dt.datetime | None = None) -> PanoramaRevision:
    """Record that revision ``revision_id`` is being written (nothing points at it yet)."""
    revision = PanoramaRevision(panorama=panorama, revision=revision_id,
                                state=RevisionState.BUILDING, created_at=now or utcnow())
    session.add(revision)
    if panorama.current_revision is None:
        panorama.status = PanoramaStatus.TILING
    session.flush()
    return revision


def finish_revision(
    session: Session, revision: PanoramaRevision, manifest: dict[str, Any],
    now: dt.datetime | None = None,
) -> None:
    """Switch the panorama to ``revision`` (its manifest is written); retire the one before.

    A revision whose tiling started before the one shown now is retired at once instead: with
    several workers, the later tiling (made with the newer blur regions) may finish first.
    A panorama taken down while it was being tiled stays down (:class:`PanoramaTakenDown`): the
    revision stays ``building`` and the sweep removes its objects.
    """
    now = now or utcnow()
    panorama = revision.panorama
    refuse_taken_down(panorama)
    if any(other.id > revision.id and other.state is RevisionState.READY
           for other in panorama.revisions):
        # a tiling started later (so with the newer settings: blur regions above all) has
        # finished first; this older one must not replace it, with several workers
        revision.state = RevisionState.RETIRED
        revision.retired_at = now
        session.flush()
        return
    for older in panorama.revisions:
        if older is not revision and older.state is RevisionState.READY:
            older.state = RevisionState.RETIRED
            older.retired_at = now
    revision.state = RevisionState.READY
    panorama.current_revision = revision.revision
    panorama.manifest = manifest
    panorama.status = PanoramaStatus.READY
    panorama.error_code = ""
    panorama.error_message = ""
    session.flush()


def record_tiling_failure(
    session: Session, panorama: Panorama, code: str, message: str, *, final: bool
) -> None:
    """Note why tiling failed. A panorama that has tiles keeps showing them; one without is
    marked failed once no retry is left."""
    panorama.error_code = code[:64]
    panorama.error_message = message
    if (final and panorama.current_revision is None
            and panorama.status is not PanoramaStatus.TAKEN_DOWN):
        panorama.status = PanoramaStatus.FAILED
    session.flush()


def revisions_to_sweep(
    session: Session, *, grace: dt.timedelta, now: dt.datetime | None = None
) -> list[PanoramaRevision]:
    """Revisions whose objects may go: retired longer than ``grace`` ago, or abandoned while
    being built (a crashed or failed tiling) longer than ``grace`` ago."""
    cutoff = (now or utcnow()) - grace
    return list(session.scalars(
        select(PanoramaRevision).where(or_(
            (PanoramaRevision.state == RevisionState.RETIRED)
            & (PanoramaRevision.retired_at < cutoff),
            (PanoramaRevision.state == RevisionState.BUILDING)
            & (PanoramaRevision.created_at < cutoff),
        )).order_by(PanoramaRevision.id)
    ))


def next_sweep_due(session: Session, *, grace: dt.timedelta) -> dt.datetime | None:
    """When the earliest item now waiting for the sweep passes its grace period, or None."""
    shown = select(Scene.panorama_id).where(Scene.panorama_id.is_not(None))
    candidates = [
        session.scalar(select(func.min(PanoramaRevision.retired_at))
                       .where(PanoramaRevision.state == RevisionState.RETIRED)),
        session.scalar(select(func.min(PanoramaRevision.created_at))
                       .where(PanoramaRevision.state == RevisionState.BUILDING)),
        session.scalar(select(func.min(Panorama.updated_at)).where(
            Panorama.id.not_in(shown), Panorama.status != PanoramaStatus.TAKEN_DOWN)),
    ]
    moments = [moment for moment in candidates if moment is not None]
    return min(moments) + grace if moments else None


def schedule_sweep(session: Session, *, grace: dt.timedelta | None = None,
                   excluding_job: int | None = None) -> None:
    """Make sure a sweep job is queued for the next expiry (at most one is kept queued).

    Called when something may start waiting for the sweep (a retired revision, a scene gone)
    and by the sweep itself, so it runs in the background without any scheduler. Without
    ``grace`` (the caller does not know it) the sweep is queued to run now; it then queues
    itself for the real expiry.
    """
    if grace is None:
        due = utcnow()
    else:
        expiry = next_sweep_due(session, grace=grace)
        if expiry is None:
            return
        due = expiry + SWEEP_SLACK
    pending = session.scalars(
        select(Job).where(Job.kind == SWEEP_JOB, Job.status == JobStatus.QUEUED,
                          Job.id != (excluding_job or 0)).order_by(Job.run_after)
    ).first()
    if pending is None:
        job_service.enqueue(session, SWEEP_JOB, {}, run_after=due)
    elif pending.run_after > due:
        pending.run_after = due
        session.flush()


def release_panorama(session: Session, panorama: Panorama) -> None:
    """A scene stops showing ``panorama``: if no other scene shows it, its grace period starts
    now (not at its last change), and the sweep is told."""
    panorama.updated_at = utcnow()
    schedule_sweep(session)


def unused_panoramas(
    session: Session, *, grace: dt.timedelta, now: dt.datetime | None = None
) -> list[Panorama]:
    """Panoramas no scene shows, last changed longer than ``grace`` ago. Taken-down panoramas
    are kept: their row is what refuses the same file again (:func:`refuse_taken_down`)."""
    cutoff = (now or utcnow()) - grace
    shown = select(Scene.panorama_id).where(Scene.panorama_id.is_not(None))
    return list(session.scalars(
        select(Panorama).where(Panorama.id.not_in(shown), Panorama.updated_at < cutoff,
                               Panorama.status != PanoramaStatus.TAKEN_DOWN)
        .order_by(Panorama.id)
    ))
