"""``/api/panoramas``: editors browse uploaded panoramas and credit their authors.

Editors and admins only. Panoramas are addressed by their public id (12 characters), never by
a sequential number. The camera's GPS position is shown here, to staff, to help place scenes;
it never appears in anything public.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from server.editor_api import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    editor_endpoint,
    handle_errors,
    page_bounds,
)
from server.extensions import db
from tours import panoramas
from tours.models import Panorama, PanoramaStatus

bp = Blueprint(
    "panoramas_api", __name__, url_prefix="/api",
    description="Uploaded panoramas: status, facts about the image, credits. Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)


class PanoramaSchema(ma.Schema):
    id = ma.fields.String(required=True, attribute="public_id",
                          metadata={"description": "Public id, used in URLs and storage keys"})
    status = ma.fields.Enum(PanoramaStatus, by_value=True, required=True)
    error_code = ma.fields.String(required=True)
    error_message = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    byte_size = ma.fields.Integer(required=True)
    width = ma.fields.Integer(required=True, allow_none=True)
    height = ma.fields.Integer(required=True, allow_none=True)
    format = ma.fields.String(required=True, allow_none=True)
    original_filename = ma.fields.String(required=True)
    captured_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    gps_latitude = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Camera position from the image (private: shown to staff only)"})
    gps_longitude = ma.fields.Float(required=True, allow_none=True)
    gps_altitude = ma.fields.Float(required=True, allow_none=True,
                                   metadata={"description": "Metres above sea level"})
    pose_heading = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Camera pose from the image's XMP GPano data, degrees"})
    pose_pitch = ma.fields.Float(required=True, allow_none=True)
    pose_roll = ma.fields.Float(required=True, allow_none=True)
    crop = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "GPano cropped-area data of a partial panorama"})
    author = ma.fields.String(required=True)
    licence = ma.fields.String(required=True)
    current_revision = ma.fields.String(required=True, allow_none=True)
    manifest = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "The current revision's manifest (tile sizes, levels, key template)"})
    created_by_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class PanoramaCreditsSchema(ma.Schema):
    author = ma.fields.String(metadata={"maxLength": panoramas.MAX_AUTHOR_LENGTH})
    licence = ma.fields.String(metadata={
        "maxLength": panoramas.MAX_LICENCE_LENGTH,
        "description": "SPDX licence id (CC-BY-SA-4.0) or a short free text"})


class PanoramaQuerySchema(ma.Schema):
    status = ma.fields.Enum(PanoramaStatus, by_value=True)


@bp.route("/panoramas", methods=["GET"])
@editors_only
@bp.arguments(PanoramaQuerySchema, location="query")
@bp.response(200, PanoramaSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_panoramas(query: dict[str, Any], pagination_parameters: Any) -> list[Panorama]:
    """All panoramas (or those with ``status``), newest first, a page at a time."""
    page, total = panoramas.list_panoramas(db.session, status=query.get("status"),
                                           **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


@bp.route("/panoramas/<string:panorama_id>", methods=["GET"])
@editors_only
@bp.response(200, PanoramaSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_panorama(panorama_id: str) -> Panorama:
    """One panorama."""
    return panoramas.get_panorama(db.session, panorama_id)


@bp.route("/panoramas/<string:panorama_id>", methods=["PATCH"])
@editors_only
@bp.arguments(PanoramaCreditsSchema)
@bp.response(200, PanoramaSchema)
@bp.alt_response(404, response="NOT_FOUND")
def update_panorama(data: dict[str, Any], panorama_id: str) -> Panorama:
    """Change the panorama's author or licence."""
    panorama = panoramas.update_panorama(db.session, panorama_id, data)  # type: ignore[arg-type]
    db.session.commit()
    return panorama
