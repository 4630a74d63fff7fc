"""Deleting a taken-down panorama's objects from both storages (``tours.image_reports``).

The editor's decision is committed first; :func:`purge_panorama` then deletes, in the public
storage, everything under ``panoramas/<public_id>/`` (every revision, including ones still being
built or already retired) and the share images of the scenes that showed it, and in the
originals storage the uploaded file. Only when all of that succeeded is ``purged_at`` set. The
``purge_panorama`` job, queued with the decision, repeats the purge until it succeeds, so a
storage outage leaves a panorama that is taken down (never shown) and waits to be purged.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from server.jobs import JobContext, PermanentJobError, handler_registry
from server.storage_setup import originals_storage, public_storage
from tours import image_reports
from tours.ingest import PURGE_JOB
from tours.models import Panorama, PanoramaStatus


def purge_panorama(session: Session, panorama: Panorama) -> int:
    """Delete the taken-down ``panorama``'s objects and note it; returns how many objects went.

    Idempotent: deleting what is already gone is no error. Raises ``StorageError`` when a
    storage fails (nothing is noted then; the caller rolls back).
    """
    if panorama.status is not PanoramaStatus.TAKEN_DOWN:
        raise ValueError(f"panorama {panorama.public_id} is not taken down")
    targets = image_reports.purge_targets(session, panorama)
    public = public_storage()
    removed = public.delete_prefix(targets.public_prefix)
    for key in targets.share_image_keys:
        public.delete(key)
        removed += 1
    originals = originals_storage()
    if originals.exists(targets.original_key):
        originals.delete(targets.original_key)
        removed += 1
    image_reports.record_purged(session, panorama, objects=removed)
    return removed


def run_purge(ctx: JobContext) -> None:
    """Job ``purge_panorama``: delete a taken-down panorama's objects unless already done."""
    panorama = ctx.session.get(Panorama, ctx.payload["panorama_id"])
    if panorama is None:
        raise PermanentJobError(f"panorama {ctx.payload['panorama_id']} no longer exists")
    if panorama.status is not PanoramaStatus.TAKEN_DOWN or panorama.purged_at is not None:
        return
    purge_panorama(ctx.session, panorama)


def init_app(app: Flask) -> None:
    handler_registry(app).register(PURGE_JOB, run_purge)
