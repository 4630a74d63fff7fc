"""``/api/panoramas/<id>/blur-regions`` and ``…/blur-suggestions``: privacy in the panoramas.

Editors mark regions to blur (faces, licence plates, private windows); saving them queues a
tiling job into a new revision, whose every public object is blurred (the original is not).

Suggestions are computed synchronously, in the request: the detector works on a copy of the
original at most 4096 pixels wide, so one answer takes a few seconds even for a 16k panorama
(decoding it is most of that), which an editor waits for once when opening the page. A job
would need somewhere to keep its result, and the page could not show anything sooner. To bound
the memory a web process spends on it, one detection runs at a time per process; nothing is
stored.
"""

from __future__ import annotations

import threading
from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint

from media_tools.decoding import decode_panorama
from media_tools.errors import ImageRejected
from media_tools.privacy import DetectorUnavailable, Region, detect_regions, turn_regions
from server.api_setup import error_response
from server.editor_api import editor_endpoint, handle_errors
from server.extensions import db
from server.panorama_jobs import tiling_limits
from server.storage import ObjectNotFound, StorageError
from server.storage_setup import originals_storage, public_storage
from tours import ingest, panorama_privacy
from tours.models import Panorama
from tours.panoramas import get_panorama

bp = Blueprint(
    "panorama_privacy_api", __name__, url_prefix="/api",
    description="Regions of a panorama blurred in its tiles, and automatic suggestions. "
                "Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)

#: one detection per process at a time (a 16k original decodes to about 400 MB)
_DETECTION = threading.Lock()


class RegionSchema(ma.Schema):
    x = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(
        0, 1, max_inclusive=False), metadata={
        "description": "Left edge, a fraction of the equirectangular image's width; "
                       "x + width may pass 1 (the region continues at the left edge)"})
    y = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(
        0, 1, max_inclusive=False), metadata={"description": "Top edge, a fraction of the "
                                                             "height"})
    width = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(
        0, 1, min_inclusive=False))
    height = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(
        0, 1, min_inclusive=False), metadata={"description": "y + height is at most 1"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(
        panorama_privacy.REGION_KINDS))


class SuggestionSchema(RegionSchema):
    score = ma.fields.Float(required=True, metadata={
        "description": "The detector's confidence; higher is surer"})


class PictureSchema(ma.Schema):
    url = ma.fields.String(required=True)
    width = ma.fields.Integer(required=True, allow_none=True)
    height = ma.fields.Integer(required=True, allow_none=True)


class BlurRegionsSchema(ma.Schema):
    regions = ma.fields.List(ma.fields.Nested(RegionSchema), required=True)
    version = ma.fields.String(required=True, metadata={
        "description": "Digest of the current revision and the saved regions: send it back "
                       "with a change (a different one is refused with 409)"})
    revision = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The revision visitors see now"})
    picture = ma.fields.Nested(PictureSchema, required=True, allow_none=True, metadata={
        "description": "The current revision's flat (equirectangular) SD picture"})


class BlurRegionsChangeSchema(ma.Schema):
    regions = ma.fields.List(ma.fields.Nested(RegionSchema), required=True,
                             validate=ma.validate.Length(max=panorama_privacy.MAX_REGIONS))
    version = ma.fields.String(required=True, validate=ma.validate.Length(max=64), metadata={
        "description": "The version the change is based on (from GET blur-regions)"})


class BlurRegionsSavedSchema(BlurRegionsSchema):
    job_id = ma.fields.Integer(required=True, metadata={
        "description": "The tiling job writing the blurred revision (GET /api/jobs/<id>)"})


class SuggestionsSchema(ma.Schema):
    suggestions = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)


def sd_picture(panorama: Panorama) -> dict[str, Any] | None:
    """``{url, width, height}`` of the current revision's flat SD picture, None before the
    first tiling."""
    manifest = panorama.manifest if isinstance(panorama.manifest, dict) else {}
    sd = manifest.get("sd")
    if not panorama.current_revision or not isinstance(sd, dict) \
            or not isinstance(sd.get("key"), str):
        return None
    try:
        url = public_storage().public_url(
            f"{ingest.revision_prefix(panorama, panorama.current_revision)}/{sd['key']}")
    except StorageError:
        return None
    return {"url": url, "width": sd.get("width"), "height": sd.get("height")}


def regions_view(panorama: Panorama) -> dict[str, Any]:
    return {"regions": panorama.blur_regions or [],
            "version": panorama_privacy.privacy_version(panorama),
            "revision": panorama.current_revision, "picture": sd_picture(panorama)}


@bp.route("/panoramas/<string:panorama_id>/blur-regions", methods=["GET"])
@editors_only
@bp.response(200, BlurRegionsSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_blur_regions(panorama_id: str) -> dict[str, Any]:
    """The regions blurred in the panorama's tiles, and the version to base a change on."""
    return regions_view(get_panorama(db.session, panorama_id))


@bp.route("/panoramas/<string:panorama_id>/blur-regions", methods=["PUT"])
@editors_only
@bp.arguments(BlurRegionsChangeSchema)
@bp.response(202, BlurRegionsSavedSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def put_blur_regions(data: dict[str, Any], panorama_id: str) -> dict[str, Any]:
    """Replace the blurred regions and re-tile the panorama into a new revision (202: the job
    runs in the background; visitors see the current revision until the new one is
    complete). A stale ``version`` is refused with 409, bad regions with 422."""
    panorama, job_id = panorama_privacy.set_blur_regions(
        db.session, panorama_id, data["regions"], version=data["version"])
    db.session.commit()
    return {**regions_view(panorama), "job_id": job_id}


@bp.route("/panoramas/<string:panorama_id>/blur-suggestions", methods=["GET"])
@editors_only
@bp.response(200, SuggestionsSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(503, response="DEFAULT_ERROR", description="No detector on this server")
def get_blur_suggestions(panorama_id: str) -> dict[str, Any] | Response:
    """Faces and licence plates found automatically in the original (synchronous: a few
    seconds). Suggestions only: nothing is saved until regions are PUT."""
    panorama = get_panorama(db.session, panorama_id)
    ingest.refuse_taken_down(panorama)
    original_key = panorama.original_key
    db.session.rollback()  # no transaction stays open while the detector works
    try:
        regions = suggest_regions(original_key)
    except ObjectNotFound:
        return error_response(409, _("The original of this panorama is missing."))
    except (StorageError, ImageRejected) as error:
        current_app.logger.warning("no suggestions for %s: %s", panorama_id, error)
        return error_response(409, _("The original of this panorama cannot be read."))
    except DetectorUnavailable as error:
        current_app.logger.warning("no privacy detector: %s", error)
        return error_response(503, _("Automatic suggestions are not available on this "
                                     "server. Draw the regions by hand."))
    return {"suggestions": [region.as_dict() for region in regions]}


def suggest_regions(original_key: str) -> list[Region]:
    """Faces and plates in the original stored under ``original_key``."""
    limits = tiling_limits(current_app._get_current_object())  # type: ignore[attr-defined]
    with _DETECTION:
        with originals_storage().open(original_key) as source:
            data = source.read(limits.max_file_bytes + 1)
        decoded = decode_panorama(data, limits=limits)
        del data
        found = detect_regions(decoded.image)
        # found in the source; editors see (and draw on) the levelled picture
        rotation = None if decoded.rotation is None else decoded.rotation.T
        return turn_regions(found, rotation)
