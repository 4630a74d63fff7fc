"""Regions of a panorama blurred in every tiling: the rules for saving them.

A region is ``{"x", "y", "width", "height", "kind"}`` in fractions of the full equirectangular
image (``x + width`` may pass 1: the region continues across the 360° seam). Saving regions
queues a tiling job that writes a new revision; visitors keep seeing the current revision until
the new one is complete (``tours.ingest``). The original is never changed.

Changes are guarded by a ``version``: a digest of the current revision and the saved regions.
An editor whose page shows an older state (someone else saved regions, or a tiling finished in
the meantime) is refused with :class:`PrivacyConflict` instead of overwriting silently.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tours import ingest
from tours.errors import N_, Conflict
from tours.models import Panorama, utcnow
from tours.panoramas import get_panorama
from tours.validation import InvalidValue, MissingValue, NotANumber, OutOfRange

#: what a region hides; ``other`` for anything drawn by hand (a window, a name on a door)
REGION_KINDS = ("face", "plate", "other")
#: the most regions one panorama may have
MAX_REGIONS = 200
REGION_FIELDS = ("x", "y", "width", "height", "kind")
#: rounding of stored fractions: a millionth of a 16k panorama is far below a pixel
DIGITS = 6
#: a region may pass the bottom edge by this much (rounding in browsers), then it is clipped
TOLERANCE = 1e-6


class PrivacyConflict(Conflict):
    message = N_("The blurred regions of this panorama were changed in the meantime (or it was "
                 "tiled again). Reload the page and apply your changes again.")


class TooManyRegions(InvalidValue):
    message = N_("A panorama can have at most %(maximum)d blurred regions.")


class NotARegionList(InvalidValue):
    message = N_("Send a list of regions.")


class NotARegion(InvalidValue):
    message = N_("A region has exactly the fields x, y, width, height and kind.")


class UnknownRegionKind(InvalidValue):
    message = N_("Choose face, plate or other.")


class RegionOutOfImage(InvalidValue):
    message = N_("The region reaches below the bottom of the image.")


def privacy_version(panorama: Panorama) -> str:
    """The guard of a change: a digest of the current revision and the saved regions."""
    state = json.dumps([panorama.current_revision, panorama.blur_regions or []],
                       sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _fraction(value: object, field: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotANumber(field=field)
    number = float(value)
    low_ok = number > 0 if positive else number >= 0
    if not math.isfinite(number) or not low_ok or number > 1 or (not positive and number >= 1):
        raise OutOfRange(field=field, minimum=0, maximum=1)
    return number


def clean_regions(value: object, *, field: str = "regions") -> list[dict[str, Any]]:
    """The regions in their stored form, or an :class:`InvalidValue` naming the field
    (``regions.3.width``)."""
    if not isinstance(value, list):
        raise NotARegionList(field=field)
    if len(value) > MAX_REGIONS:
        raise TooManyRegions(field=field, maximum=MAX_REGIONS)
    cleaned = []
    for index, region in enumerate(value):
        where = f"{field}.{index}"
        if not isinstance(region, dict):
            raise NotARegion(field=where)
        extra = set(region) - {*REGION_FIELDS, "score"}
        if extra:
            raise NotARegion(field=f"{where}.{sorted(extra)[0]}"[:120])
        for name in REGION_FIELDS:
            if name not in region:
                raise MissingValue(field=f"{where}.{name}")
        x = _fraction(region["x"], f"{where}.x", positive=False)
        y = _fraction(region["y"], f"{where}.y", positive=False)
        width = _fraction(region["width"], f"{where}.width", positive=True)
        height = _fraction(region["height"], f"{where}.height", positive=True)
        if y + height > 1 + TOLERANCE:
            raise RegionOutOfImage(field=f"{where}.height")
        kind = region["kind"]
        if kind not in REGION_KINDS:
            raise UnknownRegionKind(field=f"{where}.kind")
        cleaned.append({"x": round(x, DIGITS), "y": round(y, DIGITS),
                        "width": round(width, DIGITS),
                        "height": round(min(height, 1 - y), DIGITS) or 10.0**-DIGITS,
                        "kind": kind})
    return cleaned


def set_blur_regions(session: Session, public_id: str, regions: object, *, version: str
                     ) -> tuple[Panorama, int]:
    """Save ``regions`` as the panorama's blurred regions and queue its re-tiling into a new
    revision; returns the panorama and the tiling job's id.

    ``version`` is the :func:`privacy_version` the editor's change is based on; a different
    one is refused (:class:`PrivacyConflict`). A taken-down panorama is refused too.
    """
    panorama = get_panorama(session, public_id)
    ingest.refuse_taken_down(panorama)
    cleaned = clean_regions(regions)
    if version != privacy_version(panorama):
        raise PrivacyConflict()
    # compare and set: of two editors saving on the same version at the same moment, the
    # second's UPDATE finds the row changed (every change moves updated_at) and is refused
    saved = session.execute(
        update(Panorama).where(Panorama.id == panorama.id,
                               Panorama.updated_at == panorama.updated_at)
        .values(blur_regions=cleaned, updated_at=utcnow()))
    if saved.rowcount != 1:  # type: ignore[attr-defined]
        raise PrivacyConflict()
    session.expire(panorama)
    return panorama, ingest.queue_tiling(session, panorama)
