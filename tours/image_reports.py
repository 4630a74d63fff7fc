"""Visitors' reports of a panorama, and the editors' decision: dismiss it or take the image down.

Taking down happens in two steps. In the unit of work of the decision the panorama is marked
``taken_down`` (so no scene showing it is public any more: ``tours.walk`` shows only ready
panoramas), it stops pointing at a revision, every open report of it is closed and a purge job
is queued. After the commit its original and every revision's objects are deleted
(:func:`purge_targets`, done by ``server.takedowns``) and :func:`record_purged` notes it. If
storage fails, the panorama stays taken down with ``purged_at`` empty and the queued job tries
again, so a row never points at deleted objects that the walk still shows.

The taken-down row is kept as a tombstone: uploading the same file again is refused
(``tours.ingest.refuse_taken_down``) for everyone, editors included; an edited file is a new
panorama.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tours import audit
from tours import jobs as job_service
from tours.errors import N_, Conflict, NotFound
from tours.ingest import PURGE_JOB, scenes_showing
from tours.models import (
    ImageReport,
    Panorama,
    PanoramaStatus,
    ReportReason,
    ReportStatus,
    RevisionState,
    Scene,
    User,
    utcnow,
)
from tours.validation import clean_choice, clean_text, clean_view

#: a visitor's comment, plain text
MAX_COMMENT_LENGTH = 1000
#: a failed purge is retried this often by the job runner (with its back-off)
PURGE_ATTEMPTS = 10


class ReportNotFound(NotFound):
    message = N_("This report does not exist.")


class ReportAlreadyDecided(Conflict):
    message = N_("This report has already been decided.")


def create_report(session: Session, scene: Scene, fields: Mapping[str, Any]) -> ImageReport:
    """Record a visitor's report of the image ``scene`` shows now.

    ``fields``: ``reason`` (a :class:`ReportReason` value), optional ``comment`` (plain text,
    at most :data:`MAX_COMMENT_LENGTH` characters) and optional ``view`` (``yaw``, ``pitch``,
    ``zoom``). Nothing about the visitor is stored.
    """
    reason = clean_choice(fields.get("reason"), ReportReason, field="reason")
    comment = clean_text(fields.get("comment") or "", field="comment",
                         max_length=MAX_COMMENT_LENGTH, multiline=True)
    raw_view = fields.get("view")
    view = clean_view(raw_view, field="view").as_dict() if raw_view is not None else None
    panorama = scene.panorama
    report = ImageReport(scene=scene, panorama=panorama, revision=panorama.current_revision,
                         reason=reason, comment=comment, view=view, status=ReportStatus.OPEN)
    session.add(report)
    session.flush()
    return report


def list_reports(session: Session, *, status: ReportStatus = ReportStatus.OPEN,
                 offset: int = 0, limit: int = 20) -> tuple[list[ImageReport], int]:
    """Reports in ``status``, oldest first, with their scene and panorama; and how many."""
    query = select(ImageReport).where(ImageReport.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    reports = list(session.scalars(
        query.order_by(ImageReport.created_at, ImageReport.id).offset(offset).limit(limit)
        .options(selectinload(ImageReport.scene), selectinload(ImageReport.panorama))))
    return reports, total


def pending_purges(session: Session) -> list[Panorama]:
    """Taken-down panoramas whose objects are not all deleted yet (a storage failure)."""
    return list(session.scalars(
        select(Panorama).where(Panorama.status == PanoramaStatus.TAKEN_DOWN,
                               Panorama.purged_at.is_(None)).order_by(Panorama.id)))


def _open_report(session: Session, report_id: int) -> ImageReport:
    report = session.get(ImageReport, report_id)
    if report is None:
        raise ReportNotFound()
    if report.status is not ReportStatus.OPEN:
        raise ReportAlreadyDecided()
    return report


def dismiss(session: Session, actor: User, report_id: int) -> ImageReport:
    """Close a report without changing the image."""
    report = _open_report(session, report_id)
    report.status = ReportStatus.DISMISSED
    report.decided_by = actor
    report.decided_at = utcnow()
    audit.record(session, actor, "report.dismissed", target_type="image_report",
                 target_id=str(report.id), details={"reason": report.reason.value,
                                                    "panorama": report.panorama.public_id})
    session.flush()
    return report


def take_down(session: Session, actor: User, report_id: int) -> Panorama:
    """Take the reported panorama down: out of the walk at once, its purge queued.

    Every open report of the same panorama is closed with it. The caller commits, then runs
    the purge (the queued job repeats it if that fails).
    """
    report = _open_report(session, report_id)
    panorama = report.panorama
    now = utcnow()
    for other in session.scalars(select(ImageReport).where(
            ImageReport.panorama_id == panorama.id, ImageReport.status == ReportStatus.OPEN)):
        other.status = ReportStatus.TAKEN_DOWN
        other.decided_by = actor
        other.decided_at = now
    scenes = scenes_showing(session, panorama)
    panorama.status = PanoramaStatus.TAKEN_DOWN
    # nothing points at objects about to be deleted
    panorama.current_revision = None
    panorama.manifest = None
    panorama.purged_at = None
    job_service.enqueue(session, PURGE_JOB, {"panorama_id": panorama.id},
                        max_attempts=PURGE_ATTEMPTS)
    audit.record(session, actor, "panorama.taken_down", target_type="panorama",
                 target_id=panorama.public_id, details={
                     "report": report.id, "reason": report.reason.value,
                     "scenes": sorted(scene.slug for scene in scenes)})
    session.flush()
    return panorama


@dataclass(frozen=True)
class PurgeTargets:
    """What must go from the storages when a panorama is taken down."""

    #: the public storage folder holding every revision (``panoramas/<public_id>``)
    public_prefix: str
    #: the original in the originals storage
    original_key: str
    #: share images of the scenes showing it (rendered from its pixels), public storage
    share_image_keys: tuple[str, ...]


def purge_targets(session: Session, panorama: Panorama) -> PurgeTargets:
    """The objects to delete for a taken-down ``panorama``."""
    keys = tuple(sorted(scene.share_image_key for scene in scenes_showing(session, panorama)
                        if scene.share_image_key))
    return PurgeTargets(public_prefix=f"panoramas/{panorama.public_id}",
                        original_key=panorama.original_key, share_image_keys=keys)


def record_purged(session: Session, panorama: Panorama, *, objects: int) -> None:
    """Note that every object of the taken-down ``panorama`` is deleted (audit log too)."""
    now = utcnow()
    for revision in panorama.revisions:
        revision.state = RevisionState.DELETED
    for scene in scenes_showing(session, panorama):
        if scene.share_image_key is not None:
            scene.share_image_key = None
            scene.share_image_view = None
    panorama.purged_at = now
    audit.record(session, None, "panorama.purged", target_type="panorama",
                 target_id=panorama.public_id,
                 details={"objects": objects, "original": panorama.original_key})
    session.flush()


def record_purge_failure(session: Session, panorama: Panorama, error: str) -> None:
    """Note that deleting the objects failed; the purge job tries again."""
    audit.record(session, None, "panorama.purge_failed", target_type="panorama",
                 target_id=panorama.public_id, details={"error": error[:500]})
    session.flush()
