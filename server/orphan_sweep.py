"""Removing panorama originals that no row refers to.

Originals are stored by content (``panoramas/<aa>/<sha256>.<format>``) before the row that
names them is committed, so an upload or a tour import whose commit (or a later storage write)
fails leaves an original behind that nothing points at. Nothing shows or serves such a file,
but it is somebody's photograph and it takes space, so the panorama sweep removes it once it
is older than the sweep's grace period: an upload still between its write and its commit is
younger than that and stays.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.storage import ObjectNotFound
from server.storage_setup import originals_storage
from tours.models import Panorama, utcnow

#: the folder of the originals storage that holds panorama originals (tours.ingest.originals_key)
PANORAMA_ORIGINALS = "panoramas"


def sweep_orphan_originals(session: Session, *, grace: dt.timedelta,
                           now: dt.datetime | None = None) -> int:
    """Delete panorama originals without a row, stored longer than ``grace`` ago; returns how
    many were deleted. An object whose age the storage cannot tell is kept."""
    cutoff = (now or utcnow()) - grace
    known = set(session.scalars(select(Panorama.original_key)))
    storage = originals_storage()
    removed = 0
    for key in list(storage.list_keys(PANORAMA_ORIGINALS)):
        if key in known:
            continue
        try:
            stored_at = storage.head(key).last_modified
        except ObjectNotFound:
            continue
        if stored_at is None or stored_at >= cutoff:
            continue
        # a row may have been committed since the names were read: check again right before
        if session.scalar(select(Panorama.id).where(Panorama.original_key == key)) is not None:
            continue
        storage.delete(key)
        removed += 1
    return removed
