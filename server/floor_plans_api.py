"""``/api/floor-plans``: the drawings of a venue's levels, and where scenes lie on them.

Editors and admins only. A floor plan is made with its venue and level, then gets its drawing
(``POST /api/floor-plans/<id>/image``, multipart): a JPEG, PNG or WebP checked and rendered by
``media_tools.floor_plans`` into one PNG (or WebP for scans) of at most 4096 pixels on a side,
written to the public storage under the hash of its bytes (``floor-plans/images/…``, cached
for a year) before the row points at it; the replaced drawing's object is deleted after the
commit, as is a deleted plan's. Scenes are placed with ``PUT /api/scenes/<id>/floor-position``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import marshmallow as ma
from flask import Response, current_app, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from media_tools.errors import ImageRejected, RejectionCode
from media_tools.floor_plans import FLOOR_PLAN_LIMITS, prepare_floor_plan
from server.api_setup import error_response
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
from server.image_uploads import REJECTION_STATUS, WEB_IMAGE_MESSAGES, delete_objects
from server.panorama_uploads import REJECTION_MESSAGES
from server.request_guard import MAX_ID
from server.scenes_api import SceneSchema
from server.storage import IMMUTABLE_CACHE_CONTROL, StorageError
from server.storage_setup import public_storage
from tours import floor_plans
from tours.errors import DomainError
from tours.models import FloorPlan, Scene

bp = Blueprint(
    "floor_plans_api", __name__, url_prefix="/api",
    description="Floor plans of venues (a mall, a market hall): one drawing per level, on which "
                "that level's scenes are placed. Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)

#: where drawings are stored in the public storage (``floor-plans/images/…``)
FLOOR_PLAN_AREA = "floor-plans"

#: what a refused drawing is told where the shop images' message does not fit
FLOOR_PLAN_MESSAGES = {
    RejectionCode.VECTOR_IMAGE: _l("Vector drawings (SVG, PDF) are not accepted. Please export "
                                  "the floor plan as a PNG image and upload that (JPEG and "
                                  "WebP are accepted too)."),
    RejectionCode.ANIMATED: _l("Animated images are not accepted."),
}


# --- schemas --------------------------------------------------------------------------------


class DrawingSchema(ma.Schema):
    url = ma.fields.String(required=True, metadata={"description": "Public URL of the drawing"})
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)


class PlacedSceneSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    x = ma.fields.Float(required=True, attribute="floor_x")
    y = ma.fields.Float(required=True, attribute="floor_y")
    version = ma.fields.Integer(required=True)


class FloorPlanSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    venue = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    title = translated("Name of the level (empty: \"Level <level>\")", required=True)
    image = ma.fields.Method("get_image", required=True, allow_none=True, metadata={
        "type": "object", "nullable": True,
        "description": "The drawing ({url, width, height}); null until one is uploaded"})
    scenes = ma.fields.Method("get_scenes", required=True, metadata={
        "type": "array", "items": {"type": "object"},
        "description": "The scenes placed on it: id, slug, x, y (fractions of the drawing "
                       "from its top left corner) and version"})
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def __init__(self, *args: Any, placed: dict[int, list[Scene]] | None = None,
                 **kwargs: Any) -> None:
        """``placed``: the scenes of every plan read at once (a list of plans), else each
        plan's are read when it is dumped."""
        super().__init__(*args, **kwargs)
        self._placed = placed

    def get_image(self, floor_plan: FloorPlan) -> dict[str, Any] | None:
        return drawing(floor_plan)

    def get_scenes(self, floor_plan: FloorPlan) -> list[dict[str, Any]]:
        scenes = (self._placed.get(floor_plan.id, []) if self._placed is not None
                  else floor_plans.scenes_on(db.session, floor_plan.id))
        return PlacedSceneSchema(many=True).dump(scenes)


class FloorPlanChangesSchema(ma.Schema):
    venue = ma.fields.String(metadata={"maxLength": floor_plans.MAX_VENUE_LENGTH,
                                       "description": "The venue's name, in every language"})
    level = ma.fields.String(metadata={
        "maxLength": floor_plans.MAX_LEVEL_LENGTH,
        "description": "The level as signs show it (0, 1, -1, EG); its scenes take it"})
    title = translated("Name of the level")
    version = version_field()


class NewFloorPlanSchema(FloorPlanChangesSchema):
    class Meta:
        exclude = ("version",)

    venue = ma.fields.String(required=True, metadata={
        "maxLength": floor_plans.MAX_VENUE_LENGTH})
    level = ma.fields.String(required=True, metadata={
        "maxLength": floor_plans.MAX_LEVEL_LENGTH})


class DrawingFileSchema(ma.Schema):
    file = Upload(required=True, metadata={
        "description": "A PNG, JPEG or WebP image (no SVG or PDF), at most 20 MB and 40 "
                       "megapixels"})


class FloorPositionSchema(ma.Schema):
    floor_plan_id = ma.fields.Integer(required=True, allow_none=True, strict=True,
                                      validate=ma.validate.Range(min=1, max=MAX_ID), metadata={
        "description": "The floor plan to place the scene on (the scene takes its level); "
                       "null takes it off its plan (its level stays)"})
    x = ma.fields.Float(allow_none=True, metadata={
        "minimum": 0, "maximum": 1,
        "description": "Fraction of the drawing's width from its left edge"})
    y = ma.fields.Float(allow_none=True, metadata={
        "minimum": 0, "maximum": 1,
        "description": "Fraction of the drawing's height from its top edge"})
    version = version_field()


# --- helpers --------------------------------------------------------------------------------


def drawing(floor_plan: FloorPlan) -> dict[str, Any] | None:
    """The drawing's URL and size, None without one."""
    if not floor_plan.image_key:
        return None
    try:
        url = public_storage().public_url(floor_plan.image_key)
    except StorageError:
        return None
    return {"url": url, "width": floor_plan.image_width, "height": floor_plan.image_height}


def rejection_response(rejection: ImageRejected) -> Response:
    """The answer to a refused drawing, its message naming the floor plans' limits."""
    limits = FLOOR_PLAN_LIMITS
    template = (FLOOR_PLAN_MESSAGES.get(rejection.code) or WEB_IMAGE_MESSAGES.get(rejection.code)
                or REJECTION_MESSAGES.get(rejection.code))
    message = _("The image cannot be used.") if template is None else str(template) % {
        "min_side": limits.min_side, "max_side": limits.max_width,
        "megapixels": limits.pixel_cap // 1_000_000 if limits.pixel_cap else 0,
        "max_width": limits.max_width, "max_height": limits.max_height,
        "min_width": limits.min_side,
    }
    return error_response(REJECTION_STATUS.get(rejection.code, 422), message,
                          {"file": {"code": str(rejection.code)}})


def store_drawing(upload: FileStorage) -> tuple[str, int, int]:
    """Check and render an uploaded drawing and write it to the public storage; its key and
    size. Raises ``ImageRejected`` or ``StorageError``."""
    data = upload.stream.read(FLOOR_PLAN_LIMITS.max_file_bytes + 1)
    rendered = prepare_floor_plan(data)
    digest = hashlib.sha256(rendered.data).hexdigest()[:40]
    key = f"{FLOOR_PLAN_AREA}/images/{digest[:2]}/{digest}.{rendered.extension}"
    public_storage().put(key, rendered.data, content_type=rendered.content_type,
                         cache_control=IMMUTABLE_CACHE_CONTROL)
    return key, rendered.width, rendered.height


# --- endpoints ------------------------------------------------------------------------------


@bp.route("/floor-plans", methods=["GET"])
@editors_only
@bp.response(200, FloorPlanSchema(many=True))
def list_floor_plans() -> Response:
    """Every floor plan, grouped by venue, each venue's levels in order (-1, 0, 1, …, then
    named levels)."""
    # the scenes of all plans in one query, not one per plan
    schema = FloorPlanSchema(many=True, placed=floor_plans.placed_scenes(db.session))
    return jsonify(schema.dump(floor_plans.list_floor_plans(db.session)))


@bp.route("/floor-plans", methods=["POST"])
@editors_only
@bp.arguments(NewFloorPlanSchema)
@bp.response(201, FloorPlanSchema)
@bp.alt_response(409, response="CONFLICT", description="The venue has this level already")
def create_floor_plan(data: dict[str, Any]) -> tuple[FloorPlan, dict[str, str]]:
    """Create a venue level's floor plan; its drawing is uploaded next."""
    floor_plan = floor_plans.create_floor_plan(db.session, data)  # type: ignore[arg-type]
    db.session.commit()
    return floor_plan, etag(floor_plan.version)


@bp.route("/floor-plans/<int:floor_plan_id>", methods=["GET"])
@editors_only
@bp.response(200, FloorPlanSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_floor_plan(floor_plan_id: int) -> tuple[FloorPlan, dict[str, str]]:
    """One floor plan with the scenes placed on it."""
    floor_plan = floor_plans.get_floor_plan(db.session, floor_plan_id)
    return floor_plan, etag(floor_plan.version)


@bp.route("/floor-plans/<int:floor_plan_id>", methods=["PATCH"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(FloorPlanChangesSchema)
@bp.response(200, FloorPlanSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_floor_plan(data: dict[str, Any], floor_plan_id: int
                      ) -> tuple[FloorPlan, dict[str, str]]:
    """Change the fields given; a new level becomes the level of the plan's scenes."""
    version = expected_version(data.pop("version", None))
    floor_plan = floor_plans.update_floor_plan(db.session, floor_plan_id,
                                               data,  # type: ignore[arg-type]
                                               expected_version=version)
    db.session.commit()
    return floor_plan, etag(floor_plan.version)


@bp.route("/floor-plans/<int:floor_plan_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_floor_plan(query: dict[str, Any], floor_plan_id: int) -> None:
    """Delete a floor plan and its drawing; its scenes are taken off it and keep their
    level."""
    freed = floor_plans.delete_floor_plan(
        db.session, floor_plan_id, expected_version=expected_version(query.get("version")))
    db.session.commit()
    delete_objects(freed)


@bp.route("/floor-plans/<int:floor_plan_id>/image", methods=["POST"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.arguments(DrawingFileSchema, location="files")
@bp.response(200, FloorPlanSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(413, response="DEFAULT_ERROR", description="File or image too large")
@bp.alt_response(415, response="DEFAULT_ERROR",
                 description="Not a PNG, JPEG or WebP image (vector drawings are refused)")
@bp.alt_response(422, response="DEFAULT_ERROR", description="Not a usable image")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def upload_drawing(query: dict[str, Any], files: dict[str, Any], floor_plan_id: int) -> Any:
    """Upload the floor plan's drawing, replacing the one it has. It is rendered without any
    metadata into a PNG (a WebP for scans and photos) of at most 4096 pixels on a side; the
    scenes keep their places (fractions of the drawing)."""
    version = expected_version(query.get("version"))
    floor_plans.check_can_set_image(db.session, floor_plan_id, expected_version=version)
    try:
        key, width, height = store_drawing(files["file"])
    except ImageRejected as rejection:
        return rejection_response(rejection)
    except StorageError:
        current_app.logger.exception("storage failed during a floor plan upload")
        return error_response(503, _("The file could not be stored right now. Please try "
                                     "again in a few minutes."))
    try:
        floor_plan, freed = floor_plans.set_image(db.session, floor_plan_id, key=key,
                                                  width=width, height=height,
                                                  expected_version=version)
        db.session.commit()
    except DomainError:
        # changed meanwhile: the object just written goes again, unless a plan shows it
        db.session.rollback()
        delete_objects(floor_plans.unused_keys(db.session, {key}))
        raise
    delete_objects(freed)
    return floor_plan, etag(floor_plan.version)


@bp.route("/scenes/<int:scene_id>/floor-position", methods=["PUT"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(FloorPositionSchema)
@bp.response(200, SceneSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def put_floor_position(data: dict[str, Any], scene_id: int) -> tuple[Scene, dict[str, str]]:
    """Place a scene on a floor plan at (x, y), fractions of the drawing; it takes the plan's
    level. ``floor_plan_id: null`` takes it off its plan."""
    version = expected_version(data.get("version"))
    scene = floor_plans.place_scene(db.session, scene_id, data["floor_plan_id"],
                                    data.get("x"), data.get("y"), expected_version=version)
    db.session.commit()
    return scene, etag(scene.version)

