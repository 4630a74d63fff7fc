"""The panorama jobs: tiling an original into a new revision, and sweeping old revisions.

Tiling writes every object of a new revision to the public storage with immutable caching,
``manifest.json`` last, and only then switches the panorama to it, in the transaction that
marks the job done. The revision's row is recorded (committed) before its first object is
written, so objects of a tiling that crashes or fails are always found by the sweep.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from typing import IO

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from media_tools.errors import PanoramaRejected
from media_tools.formats import Limits
from media_tools.privacy import Region
from media_tools.tiling import TilingOptions, tile_panorama
from server import takedowns
from server.extensions import db
from server.jobs import JobContext, JobInterrupted, PermanentJobError, handler_registry
from server.orphan_sweep import sweep_orphan_originals
from server.share_images import share_image_key
from server.storage import IMMUTABLE_CACHE_CONTROL, ObjectNotFound
from server.storage_setup import originals_storage, public_storage
from tours import ingest
from tours import jobs as job_service
from tours.jobs import LeaseLost
from tours.models import Panorama, PanoramaRevision, PanoramaStatus, RevisionState, Scene

#: the share of the progress bar that fetching the original takes; tiling has the rest
FETCH_SHARE = 5
#: spool originals up to this size in memory, larger ones on disk
SPOOL_BYTES = 16 * 1024 * 1024


def _in_own_transaction(work: Callable[[Session], None]) -> None:
    """Run ``work`` in a transaction of its own, committed at once.

    For facts that must survive the job's own transaction being rolled back: that a revision is
    being written (so the sweep finds its objects) and why tiling failed.
    """
    with Session(db.engine) as session, session.begin():
        work(session)


def _fetch_original(panorama: Panorama) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    with originals_storage().open(panorama.original_key) as source:
        shutil.copyfileobj(source, spool, length=1024 * 1024)
    spool.seek(0)
    return spool


def tiling_limits(app: Flask) -> Limits:
    """What the tiler (and the privacy detector) accepts of an original."""
    config = app.config
    return Limits(max_width=config["PANORAMA_MAX_WIDTH"],
                  max_height=config["PANORAMA_MAX_HEIGHT"],
                  max_file_bytes=max(config["MAX_CONTENT_LENGTH"], 400 * 1024 * 1024))


def _tiling_options(app: Flask, panorama: Panorama | None = None) -> TilingOptions:
    """The tiler's options; with ``panorama``, its blurred regions (faces, plates) too."""
    blur = tuple(Region.from_dict(region) for region in (panorama.blur_regions or ())
                 ) if panorama is not None else ()
    return TilingOptions(limits=tiling_limits(app), workers=app.config["TILING_THREADS"],
                         blur=blur)


def run_tiling(ctx: JobContext) -> None:
    """Job ``tile_panorama``: tile the panorama's original into a new revision."""
    panorama = ctx.session.get(Panorama, ctx.payload["panorama_id"])
    if panorama is None:
        raise PermanentJobError(f"panorama {ctx.payload['panorama_id']} no longer exists")
    if panorama.status is PanoramaStatus.TAKEN_DOWN:
        raise PermanentJobError(f"panorama {panorama.public_id} was taken down")
    final_attempt = ctx.attempt >= _max_attempts(ctx)
    try:
        _tile(ctx, panorama)
    except PanoramaRejected as rejection:
        # The original passed the header check at upload, so a failure to decode it now may be
        # a damaged read as much as a damaged file: retried like any failure, up to the limit.
        _record_failure(panorama.id, str(rejection.code), str(rejection), final=final_attempt)
        raise
    except ObjectNotFound as missing:
        _record_failure(panorama.id, "original_missing", str(missing), final=True)
        raise PermanentJobError(f"the original is missing: {missing}") from missing
    except (JobInterrupted, LeaseLost):
        raise  # not a failure of the tiling: the job goes back to the queue or is elsewhere
    except Exception as error:
        _record_failure(panorama.id, "tiling_failed", f"{type(error).__name__}: {error}",
                        final=final_attempt)
        raise


def _max_attempts(ctx: JobContext) -> int:
    from tours.jobs import get_job

    with Session(db.engine) as session:
        return get_job(session, ctx.job_id).max_attempts


def _record_failure(panorama_id: int, code: str, message: str, *, final: bool) -> None:
    def record(session: Session) -> None:
        panorama = session.get(Panorama, panorama_id)
        if panorama is not None:
            ingest.record_tiling_failure(session, panorama, code, message[:2000], final=final)

    _in_own_transaction(record)


def _tile(ctx: JobContext, panorama: Panorama) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    revision_id = ingest.new_revision_id()
    panorama_id = panorama.id

    def start(session: Session) -> None:
        ingest.start_revision(session, session.get_one(Panorama, panorama_id), revision_id)

    _in_own_transaction(start)
    ctx.report_progress(1, "fetching")
    original = _fetch_original(panorama)
    ctx.report_progress(FETCH_SHARE, "decoding")
    storage = public_storage()
    prefix = ingest.revision_prefix(panorama, revision_id)

    def sink(key: str, data: bytes, content_type: str) -> None:
        storage.put(f"{prefix}/{key}", data, content_type=content_type,
                    cache_control=IMMUTABLE_CACHE_CONTROL)

    def progress(stage: str, fraction: float) -> None:
        percent = FETCH_SHARE + int((100 - FETCH_SHARE - 1) * max(0.0, min(1.0, fraction)))
        ctx.report_progress(percent, stage)

    with original:
        result = tile_panorama(original, sink=sink, options=_tiling_options(app, panorama),
                               progress=progress)
    ctx.session.expire_all()
    revision = ctx.session.scalars(select(PanoramaRevision).where(
        PanoramaRevision.panorama_id == panorama_id,
        PanoramaRevision.revision == revision_id)).one()
    ingest.finish_revision(ctx.session, revision, result.manifest)
    ingest.schedule_sweep(ctx.session, grace=_grace(app))
    for scene in ingest.scenes_showing(ctx.session, revision.panorama):
        ingest.queue_share_image(ctx.session, scene)
    if revision.panorama.blur_regions:
        # after this job's commit: the rows must point at the new revision before the older
        # objects (perhaps showing a face unblurred) are deleted
        job_service.enqueue(ctx.session, ingest.PURGE_UNBLURRED_JOB,
                            {"panorama_id": panorama_id})


def run_purge_unblurred(ctx: JobContext) -> None:
    """Job ``purge_unblurred_revisions``: delete the retired revisions of a panorama with
    blurred regions and the share images rendered from them, without waiting for the sweep.

    An older revision may show what an editor just blurred, and its objects are public and
    cached as immutable, so waiting out the grace period would keep the face online for days.
    A visitor whose page still shows that revision loses its tiles; reloading shows the new
    one. Caches in front of the bucket (a CDN) must be purged by their own means.
    """
    panorama = ctx.session.get(Panorama, ctx.payload["panorama_id"])
    if panorama is None or panorama.current_revision is None:
        return
    storage = public_storage()
    for older in panorama.revisions:
        if older.state is RevisionState.RETIRED:
            storage.delete_prefix(ingest.revision_prefix(panorama, older.revision))
            older.state = RevisionState.DELETED
    for scene in ingest.scenes_showing(ctx.session, panorama):
        current = share_image_key(scene, panorama)
        if scene.share_image_key is not None and scene.share_image_key != current:
            # derived data: no version bump; the share image job renders the new one
            ctx.session.execute(update(Scene).where(Scene.id == scene.id).values(
                share_image_key=None, share_image_view=None))
            ingest.queue_share_image(ctx.session, scene)
        # every image of the scene but the one of the blurred revision (whether its job has
        # rendered it already or not)
        for key in list(storage.list_keys(f"scenes/{scene.id}")):
            if key != current:
                storage.delete(key)


def run_sweep(ctx: JobContext) -> None:
    """Job ``sweep_panoramas``: remove revisions retired (or abandoned) before the grace period,
    and panoramas no scene has shown for as long; then queue itself for the next expiry."""
    grace = _grace(current_app._get_current_object())  # type: ignore[attr-defined]
    sweep(ctx.session, grace=grace)
    ingest.schedule_sweep(ctx.session, grace=grace, excluding_job=ctx.job_id)


def _grace(app: Flask) -> dt.timedelta:
    return dt.timedelta(hours=app.config["PANORAMA_SWEEP_GRACE_HOURS"])


def sweep(session: Session, *, grace: dt.timedelta, now: dt.datetime | None = None
          ) -> dict[str, int]:
    """Delete expired revisions' objects, unused panoramas and originals no row names;
    returns what was removed."""
    storage = public_storage()
    removed = {"revisions": 0, "objects": 0, "panoramas": 0, "originals": 0}
    for revision in ingest.revisions_to_sweep(session, grace=grace, now=now):
        removed["objects"] += storage.delete_prefix(
            ingest.revision_prefix(revision.panorama, revision.revision))
        revision.state = RevisionState.DELETED
        removed["revisions"] += 1
        session.flush()
    doomed = []
    for panorama in ingest.unused_panoramas(session, grace=grace, now=now):
        doomed.append((panorama.public_id, panorama.original_key))
        session.delete(panorama)
    # The rows go first, committed: a scene that started showing one of these panoramas in the
    # meantime makes this fail here, before anything irreversible. Objects without a row are
    # harmless; a row without its objects would be broken for good.
    session.flush()
    session.commit()
    for public_id, original_key in doomed:
        removed["objects"] += storage.delete_prefix(f"panoramas/{public_id}")
        originals_storage().delete(original_key)
        removed["panoramas"] += 1
    removed["objects"] += sweep_share_images(session)
    removed["originals"] = sweep_orphan_originals(session, grace=grace, now=now)
    return removed


def sweep_share_images(session: Session) -> int:
    """Remove share images no scene uses any more (older views, deleted scenes)."""
    current = set(session.scalars(select(Scene.share_image_key)
                                  .where(Scene.share_image_key.is_not(None))))
    storage = public_storage()
    stale = [key for key in storage.list_keys("scenes") if key not in current]
    for key in stale:
        storage.delete(key)
    return len(stale)


def init_app(app: Flask) -> None:
    registry = handler_registry(app)
    registry.register(ingest.TILE_JOB, run_tiling)
    registry.register(ingest.SWEEP_JOB, run_sweep)
    registry.register(ingest.PURGE_UNBLURRED_JOB, run_purge_unblurred)
    takedowns.init_app(app)
