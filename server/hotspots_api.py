"""``/api/scenes/<id>/hotspots`` and ``/api/hotspots``: editors place clickable points in scenes.

Editors and admins everywhere; shop owners within their mode (``tours.hotspot_access``): in
their shop's interior scene they place info and URL hotspots and their own shop's; in a
scene of the public walk they ask for a hotspot of a shop they own, stored with the status
``requested`` until an editor approves it. Only approved hotspots reach visitors. Only
editors set ``status``. A personal token, or a signed-in session with ``X-CSRFToken`` on
changes.

An info hotspot's picture is uploaded with ``PUT /api/hotspots/<id>/image`` (checked,
re-encoded and stored under ``hotspots/`` like every uploaded picture, ``server.image_uploads``)
and removed with ``DELETE``; its description for screen readers is the ordinary field
``image_alt``. Objects no hotspot uses any more are deleted after the commit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask_smorest import Blueprint
from flask_smorest.fields import Upload

from server.editor_api import (
    IF_MATCH,
    VersionQuerySchema,
    account_endpoint,
    etag,
    expected_version,
    handle_errors,
    translated,
    version_field,
)
from server.extensions import db
from server.image_uploads import UploadRefused, accept_upload, delete_objects
from server.security import current_account
from server.storage_setup import public_storage
from tours import hotspot_access, hotspot_images, hotspot_requests, hotspots
from tours.errors import DomainError
from tours.models import Hotspot, HotspotKind, HotspotStatus, Role
from tours.scenes import get_scene

bp = Blueprint(
    "hotspots_api", __name__, url_prefix="/api",
    description="Hotspots: clickable points in scenes (shop, info, web page). Editors, and "
                "shop owners in their shops' scenes and for requests in the walk's streets.",
)
handle_errors(bp)
keepers = account_endpoint(bp, Role.EDITOR, Role.SHOP_OWNER)
F = TypeVar("F", bound=Callable[..., Any])


def in_reach(view: F) -> F:
    """Refuse an account that has no mode in the scene named by the URL (or the hotspot's
    scene), before the request's body is read."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if "scene_id" in kwargs:
            scene = get_scene(db.session, kwargs["scene_id"])
        else:
            scene = hotspots.get_hotspot(db.session, kwargs["hotspot_id"]).scene
        hotspot_access.check_mode(db.session, current_account(), scene)
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]

#: where hotspot pictures are stored (``hotspots/originals/…``, ``hotspots/images/…``)
HOTSPOT_IMAGE_AREA = "hotspots"
ALT_TEXT = "Describes the picture for screen readers"


class HotspotImageVariantSchema(ma.Schema):
    url = ma.fields.String(required=True, metadata={
        "description": "On the public storage; immutable, cached for a year"})
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)


class HotspotImageSchema(ma.Schema):
    """Dumps a stored picture's record (``Hotspot.image``) with public URLs, no storage keys."""

    width = ma.fields.Integer(required=True, metadata={"description": "The upload's, upright"})
    height = ma.fields.Integer(required=True)
    large = ma.fields.Nested(HotspotImageVariantSchema, required=True, metadata={
        "description": "At most 1600 pixels on its longer side"})
    thumb = ma.fields.Nested(HotspotImageVariantSchema, required=True, metadata={
        "description": "At most 400 pixels on its longer side"})

    @ma.pre_dump
    def with_urls(self, record: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        storage = public_storage()
        return {"width": record["width"], "height": record["height"],
                **{name: {"url": storage.public_url(variant["key"]),
                          "width": variant["width"], "height": variant["height"]}
                   for name, variant in record["variants"].items()}}


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
    image = ma.fields.Nested(HotspotImageSchema, required=True, allow_none=True, metadata={
        "description": "An info hotspot's picture (PUT /api/hotspots/{id}/image), else null"})
    image_alt = translated(ALT_TEXT, required=True)
    valid_from = ma.fields.AwareDateTime(required=True, allow_none=True)
    valid_until = ma.fields.AwareDateTime(required=True, allow_none=True)
    status = ma.fields.Enum(HotspotStatus, by_value=True, required=True, metadata={
        "description": "Only approved hotspots are shown to visitors; requested: a shop "
                       "owner's request waiting for an editor; rejected: an editor said no"})
    decided_by_id = ma.fields.Integer(required=True, allow_none=True)
    decided_at = ma.fields.AwareDateTime(required=True, allow_none=True)
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
    image_alt = translated(f"{ALT_TEXT} (info hotspots only)")
    valid_from = ma.fields.AwareDateTime(allow_none=True)
    valid_until = ma.fields.AwareDateTime(allow_none=True)
    status = ma.fields.Enum(HotspotStatus, by_value=True, metadata={
        "description": "Editors only: approve or reject a request (recorded with who and "
                       "when)"})
    version = version_field()


class NewHotspotSchema(HotspotChangesSchema):
    class Meta:
        exclude = ("version", "status")

    yaw = ma.fields.Float(required=True, metadata={"minimum": -180, "maximum": 180})
    pitch = ma.fields.Float(required=True, metadata={"minimum": -90, "maximum": 90})
    kind = ma.fields.Enum(HotspotKind, by_value=True, required=True)


@bp.route("/scenes/<int:scene_id>/hotspots", methods=["GET"])
@keepers
@in_reach
@bp.response(200, HotspotSchema(many=True))
@bp.alt_response(404, response="NOT_FOUND")
def list_hotspots(scene_id: int) -> list[Hotspot]:
    """The scene's hotspots, including those outside their validity window and requests
    (an owner asking in a street scene sees the approved ones and their own requests)."""
    found, _mode = hotspot_requests.hotspots_for(db.session, current_account(), scene_id)
    return found


@bp.route("/scenes/<int:scene_id>/hotspots", methods=["POST"])
@keepers
@in_reach
@bp.arguments(NewHotspotSchema)
@bp.response(201, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_hotspot(data: dict[str, Any], scene_id: int) -> tuple[Hotspot, dict[str, str]]:
    """Place a hotspot in the scene (an owner's in a street scene is a request)."""
    hotspot = hotspot_requests.place(db.session, current_account(), scene_id,
                                     data)  # type: ignore[arg-type]
    db.session.commit()
    return hotspot, etag(hotspot.version)


@bp.route("/hotspots/<int:hotspot_id>", methods=["PATCH"])
@keepers
@in_reach
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(HotspotChangesSchema)
@bp.response(200, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def update_hotspot(data: dict[str, Any], hotspot_id: int) -> tuple[Hotspot, dict[str, str]]:
    """Change the fields given; values the new kind does not use are cleared."""
    version = expected_version(data.pop("version", None))
    status = data.pop("status", None)
    hotspot = hotspot_requests.change(db.session, current_account(), hotspot_id,
                                      data,  # type: ignore[arg-type]
                                      status=status, expected_version=version)
    db.session.commit()
    return hotspot, etag(hotspot.version)


@bp.route("/hotspots/<int:hotspot_id>", methods=["DELETE"])
@keepers
@in_reach
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def delete_hotspot(query: dict[str, Any], hotspot_id: int) -> None:
    """Delete a hotspot (and its picture's files, unless another hotspot shows the same)."""
    freed = hotspot_requests.remove(db.session, current_account(), hotspot_id,
                                    expected_version=expected_version(query.get("version")))
    db.session.commit()
    delete_objects(freed)


class ImageFileSchema(ma.Schema):
    file = Upload(required=True, metadata={
        "description": "A JPEG, PNG or WebP image, at most 20 MB and 40 megapixels"})


@bp.route("/hotspots/<int:hotspot_id>/image", methods=["PUT"])
@keepers
@in_reach
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.arguments(ImageFileSchema, location="files")
@bp.response(200, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(413, response="DEFAULT_ERROR", description="File or image too large")
@bp.alt_response(415, response="DEFAULT_ERROR", description="Not a JPEG, PNG or WebP image")
@bp.alt_response(422, response="DEFAULT_ERROR",
                 description="Not a usable image, or not an info hotspot")
@bp.alt_response(503, response="DEFAULT_ERROR", description="Storage unavailable")
def put_image(query: dict[str, Any], files: dict[str, Any], hotspot_id: int) -> Any:
    """Show a picture on an info hotspot, replacing its picture (the description stays; change
    it with ``image_alt``). The file is re-encoded without any metadata into a large and a
    thumbnail version."""
    version = expected_version(query.get("version"))
    hotspot_requests.check_may_change(db.session, current_account(), hotspot_id)
    hotspots.check_can_have_image(db.session, hotspot_id, expected_version=version)
    try:
        stored = accept_upload(files["file"], purpose="photo", area=HOTSPOT_IMAGE_AREA)
    except UploadRefused as refused:
        return refused.response
    try:
        hotspot, freed = hotspots.set_image(db.session, hotspot_id, stored,
                                            expected_version=version)
        db.session.commit()
    except DomainError:
        # changed meanwhile: the files just written go again, unless some hotspot shows them
        db.session.rollback()
        delete_objects(hotspot_images.unused_keys(db.session, [stored.as_record()]))
        raise
    delete_objects(freed)
    return hotspot, etag(hotspot.version)


@bp.route("/hotspots/<int:hotspot_id>/image", methods=["DELETE"])
@keepers
@in_reach
@bp.doc(parameters=[IF_MATCH])
@bp.arguments(VersionQuerySchema, location="query")
@bp.response(200, HotspotSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(422, response="DEFAULT_ERROR", description="Not an info hotspot")
def delete_image(query: dict[str, Any], hotspot_id: int) -> tuple[Hotspot, dict[str, str]]:
    """Remove an info hotspot's picture and its description; its files go too unless another
    hotspot shows the same picture. Answers the hotspot (a new version)."""
    hotspot_requests.check_may_change(db.session, current_account(), hotspot_id)
    hotspot, freed = hotspots.remove_image(
        db.session, hotspot_id, expected_version=expected_version(query.get("version")))
    db.session.commit()
    delete_objects(freed)
    return hotspot, etag(hotspot.version)
