"""``/api/scenes`` and ``/api/links``: editors create scenes and link them into a walk.

Editors and admins only (a personal token, or a signed-in session with ``X-CSRFToken`` on
changes). Visitors' read endpoints belong to the viewer.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from server.editor_api import (
    IF_MATCH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    VersionQuerySchema,
    ViewSchema,
    editor_endpoint,
    etag,
    expected_version,
    handle_errors,
    page_bounds,
    translated,
    version_field,
)
from server.extensions import db
from server.image_uploads import delete_objects
from tours import links, scenes
from tours.models import Link, LinkKind, Scene

bp = Blueprint(
    "scenes_api", __name__, url_prefix="/api",
    description="Scenes (places in the walk) and the links between them. Editors only.",
)
handle_errors(bp)
editors_only = editor_endpoint(bp)


class SceneSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    panorama = ma.fields.String(
        required=True, attribute="panorama.public_id",
        metadata={"description": "Id of the panorama shown (see /api/panoramas)"})
    title = translated("Name of the place", required=True)
    description = translated("Plain-text description", required=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    level = ma.fields.String(required=True, allow_none=True,
                             metadata={"description": "Venue level, for indoor places"})
    floor_plan_id = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The venue floor plan the scene lies on (set with PUT "
                       "/api/scenes/<id>/floor-position)"})
    floor_x = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Where on the floor plan: fraction of the drawing's width"})
    floor_y = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Where on the floor plan: fraction of the drawing's height"})
    north_offset = ma.fields.Float(required=True, metadata={
        "description": "Yaw in degrees at which north lies in the panorama"})
    initial_view = ma.fields.Nested(ViewSchema, required=True)
    share_image_key = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Storage key of the share image; None until rendered"})
    share_image_is_stale = ma.fields.Boolean(required=True, metadata={
        "description": "True when the share image is missing or shows another view"})
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class SceneChangesSchema(ma.Schema):
    slug = ma.fields.String(metadata={"description": "3–80 of a–z, 0–9 and -", "maxLength": 80})
    panorama = ma.fields.String(metadata={"description": "Id of the panorama to show"})
    title = translated("Name of the place")
    description = translated("Plain-text description")
    latitude = ma.fields.Float(allow_none=True, metadata={"minimum": -90, "maximum": 90})
    longitude = ma.fields.Float(allow_none=True, metadata={"minimum": -180, "maximum": 180})
    level = ma.fields.String(allow_none=True)
    north_offset = ma.fields.Float(metadata={"minimum": -180, "maximum": 180})
    initial_view = ma.fields.Nested(ViewSchema)
    version = version_field()


class NewSceneSchema(SceneChangesSchema):
    class Meta:
        exclude = ("version",)

    slug = ma.fields.String(required=True, metadata={"description": "3–80 of a–z, 0–9 and -"})
    panorama = ma.fields.String(required=True, metadata={"description": "Id of the panorama"})
    title = translated("Name of the place", required=True)


class LinkSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    from_scene_id = ma.fields.Integer(required=True)
    to_scene_id = ma.fields.Integer(required=True)
    bearing = ma.fields.Float(required=True, metadata={
        "description": "Direction in degrees clockwise from north, 0 ≤ bearing < 360"})
    length_m = ma.fields.Float(required=True, allow_none=True)
    kind = ma.fields.Enum(LinkKind, by_value=True, required=True)
    closed_until = ma.fields.AwareDateTime(required=True, allow_none=True)
    closed_reason = translated("Why the way is closed", required=True)
    label = translated("Text on the arrow", required=True)
    version = ma.fields.Integer(required=True)


class LinkChangesSchema(ma.Schema):
    bearing = ma.fields.Float(metadata={"minimum": 0, "maximum": 360})
    length_m = ma.fields.Float(allow_none=True, metadata={
        "minimum": 0, "maximum": links.MAX_LENGTH_M, "description": "Walking distance, metres"})
    kind = ma.fields.Enum(LinkKind, by_value=True)
    closed_until = ma.fields.AwareDateTime(allow_none=True)
    closed_reason = translated("Why the way is closed")
    label = translated("Text on the arrow")
    version = version_field()


class NewLinkSchema(LinkChangesSchema):
    class Meta:
        exclude = ("version",)

    to_scene_id = ma.fields.Integer(required=True)
    bearing = ma.fields.Float(metadata={
        "minimum": 0, "maximum": 360,
        "description": "Direction in degrees clockwise from north; when left out, computed "
                       "from the two scenes' positions (422 when one has none)"})
    both_directions = ma.fields.Boolean(load_default=True, metadata={
        "description": "Also create the way back (bearing + 180°), unless it exists"})


class LinkDeletionSchema(VersionQuerySchema):
    both_directions = ma.fields.Boolean(load_default=False, metadata={
        "description": "Also delete the way back"})


@bp.route("/scenes", methods=["GET"])
@editors_only
@bp.response(200, SceneSchema(many=True))
@bp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_scenes(pagination_parameters: Any) -> list[Scene]:
    """All scenes, oldest first, a page at a time (``X-Pagination`` tells the total)."""
    page, total = scenes.list_scenes(db.session, **page_bounds(pagination_parameters))
    pagination_parameters.item_count = total
    return page


@bp.route("/scenes", methods=["POST"])
@editors_only
@bp.arguments(NewSceneSchema)
@bp.response(201, SceneSchema)
@bp.alt_response(409, response="CONFLICT")
def create_scene(data: dict[str, Any]) -> tuple[Scene, dict[str, str]]:
    """Create a scene showing a panorama."""
    scene = scenes.create_scene(db.session, data)  # type: ignore[arg-type]
    db.session.commit()
    return scene, etag(scene.version)


@bp.route("/scenes/<int:scene_id>", methods=["GET"])
@editors_only
@bp.response(200, SceneSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_scene(scene_id: int) -> tuple[Scene, dict[str, str]]:
    """One scene."""
    scene = scenes.get_scene(db.session, scene_id)
    return scene, etag(scene.version)


@bp.route("/scenes/<int:scene_id>", methods=["PATCH"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(SceneChangesSchema)
@bp.response(200, SceneSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_scene(data: dict[str, Any], scene_id: int) -> tuple[Scene, dict[str, str]]:
    """Change the fields given; the others stay as they are."""
    version = expected_version(data.pop("version", None))
    scene = scenes.update_scene(db.session, scene_id, data,  # type: ignore[arg-type]
                                expected_version=version)
    db.session.commit()
    return scene, etag(scene.version)


@bp.route("/scenes/<int:scene_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_scene(query: dict[str, Any], scene_id: int) -> None:
    """Delete a scene with its links and hotspots (its panorama stays); refused while a tour
    stops at it."""
    version = expected_version(query.get("version"))
    freed = scenes.delete_scene(db.session, scene_id, expected_version=version)
    db.session.commit()
    delete_objects(freed)


@bp.route("/scenes/<int:scene_id>/links", methods=["GET"])
@editors_only
@bp.response(200, LinkSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def list_links(scene_id: int) -> list[Link]:
    """The links leading away from the scene, clockwise from north."""
    return links.list_links(db.session, scene_id)


@bp.route("/scenes/<int:scene_id>/links", methods=["POST"])
@editors_only
@bp.arguments(NewLinkSchema)
@bp.response(201, LinkSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def create_link(data: dict[str, Any], scene_id: int) -> list[Link]:
    """Link the scene to another; by default also the way back. Without a bearing, the
    direction from this scene's position to the other's is taken (422 when one of them has no
    position). Answers the links created, the requested one first."""
    both_directions = data.pop("both_directions")
    created = links.add_link(db.session, scene_id, data,  # type: ignore[arg-type]
                             both_directions=both_directions)
    db.session.commit()
    return created


@bp.route("/links/<int:link_id>", methods=["PATCH"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(LinkChangesSchema)
@bp.response(200, LinkSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_link(data: dict[str, Any], link_id: int) -> tuple[Link, dict[str, str]]:
    """Change a link's bearing, length, kind, closure or label."""
    version = expected_version(data.pop("version", None))
    link = links.update_link(db.session, link_id, data,  # type: ignore[arg-type]
                             expected_version=version)
    db.session.commit()
    return link, etag(link.version)


@bp.route("/links/<int:link_id>", methods=["DELETE"])
@editors_only
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(LinkDeletionSchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_link(query: dict[str, Any], link_id: int) -> None:
    """Delete a link, and with ``both_directions=true`` the way back too."""
    links.delete_link(db.session, link_id, both_directions=query["both_directions"],
                      expected_version=expected_version(query.get("version")))
    db.session.commit()
