"""Which stored objects of info hotspots' pictures are still in use.

Pictures are content-addressed (the same upload gives the same keys), so two hotspots may show
the same objects: a removed picture's keys are freed only when no hotspot's picture still
names them. Callers ask after their change is flushed, and delete what is returned after the
commit. Kept apart from :mod:`tours.hotspots` so that deleting a scene (``tours.scenes``) can
ask too without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tours.images import record_keys
from tours.models import Hotspot


def unused_keys(session: Session, removed: Iterable[dict[str, object] | None]) -> set[str]:
    """The keys of the ``removed`` pictures' records that no hotspot's picture uses now."""
    records = [record for record in removed if record]
    keys = set().union(*(record_keys(record) for record in records)) if records else set()
    if not keys:
        return set()
    digests = {str(record["sha256"]) for record in records}
    in_use: set[str] = set()
    # older pipelines may have made other versions of the same upload: compare keys, not only
    # digests, among the hotspots showing the same upload
    for record in session.scalars(select(Hotspot.image).where(
            Hotspot.image.is_not(None), Hotspot.image["sha256"].as_string().in_(digests))):
        in_use |= record_keys(record)
    return keys - in_use


def scene_images(session: Session, scene_id: int) -> list[dict[str, object]]:
    """The picture records of a scene's hotspots (before the scene and they are deleted)."""
    return [record for record in session.scalars(select(Hotspot.image).where(
        Hotspot.scene_id == scene_id, Hotspot.image.is_not(None))) if record]
