"""``/api/scenes/<id>/hotspots`` and ``/api/hotspots``: editors place clickable points in scenes.

Editors and admins only (a personal token, or a signed-in session with ``X-CSRFToken`` on
changes).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from server.editor_api import (
    IF_MATCH,
    VersionQuerySchema,
    editor_endpoint,
    etag,
    expected_version,
    handle_errors,
    translated,
    version_field,
)
from server.extensions import db
from server.security import current_account
from tours import hotspots
from tours.models import Hotspot, HotspotKind

bp = Blueprint(
    "hotspots_api", __name__, url_prefix="/api",
    description="Hotspots: clickable points in scenes (shop, info, web page). Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)


class HotspotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    scene_id = ma.fields.Integer(required=True)
    yaw = ma.fields.Float(required=True)
    pitch = ma.fields.Float(required=True)
    kind = ma.fields.Enum(HotspotKind, by_value=True, required=True)
    shop_id = ma.fields.Integer(required=True, allow_none=True)
    url = ma.fields.String(required=True, allow_none=True)
    text = translated("Plain text of an info panel or offer", required=True)
    label = translated("Short name, shown on hover and read by screen readers", required=True)
    valid_from = ma.fields.AwareDateTime(required=True, allow_none=True)
    valid_until = ma.fields.AwareDateTime(required=True, allow_none=True)
    version = ma.fields.Integer(required=True)
    created_by_id = ma.fields.Integer(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class HotspotChangesSchema(ma.Schema):
    yaw = ma.fields.Float(metadata={"minimum": -180, "maximum": 180})
    pitch = ma.fields.Float(metadata={"minimum": -90, "maximum": 90})
    kind = ma.fields.Enum(HotspotKind, by_value=True, metadata={
        "description": "shop: needs shop_id; url: needs url and label; info: needs text and "
                       "label (and may have a url)"})
    shop_id = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(allow_none=True, metadata={
        "description": "Absolute http:// or https:// address"})
    text = translated("Plain text of an info panel or offer")
    label = translated("Short name, shown on hover and read by screen readers")
    valid_from = ma.fields.AwareDateTime(allow_none=True)
    valid_until = ma.fields.AwareDateTime(allow_none=True)
    version = version_field()


class NewHotspotSchema(HotspotChangesSchema):
    class Meta:
        exclude = ("version",)

    yaw = ma.fields.Float(required=True, metadata={"minimum": -180, "maximum": 180})
    pitch = ma.fields.Float(required=True, metadata={"minimum": -90, "maximum": 90})
    kind = ma.fields.Enum(HotspotKind, by_value=True, required=True)


@bp.route("/scenes/<int:scene_id>/hotspots", methods=["GET"])
@editors_only
@bp.response(200, HotspotSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def list_hotspots(scene_id: int) -> list[Hotspot]:
    """The scene's hotspots, including those outside their validity window."""
    return hotspots.list_hotspots(db.session, scene_id)


@bp.route("/scenes/<int:scene_id>/hotspots", methods=["POST"])
@editors_only
@bp.arguments(NewHotspotSchema)
@bp.response(201, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_hotspot(data: dict[str, Any], scene_id: int) -> tuple[Hotspot, dict[str, str]]:
    """Place a hotspot in the scene."""
    hotspot = hotspots.add_hotspot(db.session, scene_id, data,  # type: ignore[arg-type]
                                   created_by=current_account())
    db.session.commit()
    return hotspot, etag(hotspot.version)


@bp.route("/hotspots/<int:hotspot_id>", methods=["PATCH"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(HotspotChangesSchema)
@bp.response(200, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_hotspot(data: dict[str, Any], hotspot_id: int) -> tuple[Hotspot, dict[str, str]]:
    """Change the fields given; values the new kind does not use are cleared."""
    version = expected_version(data.pop("version", None))
    hotspot = hotspots.update_hotspot(db.session, hotspot_id, data,  # type: ignore[arg-type]
                                      expected_version=version)
    db.session.commit()
    return hotspot, etag(hotspot.version)


@bp.route("/hotspots/<int:hotspot_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_hotspot(query: dict[str, Any], hotspot_id: int) -> None:
    """Delete a hotspot."""
    hotspots.delete_hotspot(db.session, hotspot_id,
                            expected_version=expected_version(query.get("version")))
    db.session.commit()
